from django.contrib import admin
from django.forms.models import BaseInlineFormSet


class LabelledInlineFormSet(BaseInlineFormSet):
    """Django's tabular inline names each column only in the table's header, which screen readers
    do not announce as the name of the control in a cell: each control takes its column's name."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        for field in form.fields.values():
            if field.label and not field.widget.is_hidden:
                field.widget.attrs.setdefault("aria-label", str(field.label))


class LabelledTabularInline(admin.TabularInline):
    """A tabular inline whose controls (the delete box too) each have an accessible name."""

    formset = LabelledInlineFormSet
