"""The committee's form builder and a session's choice of form."""

import re

import pytest
from django.urls import reverse

from feedback.models import Form, FormChoice
from feedback.services import specs_for, submit_response
from tests.factories import MemberFactory
from tests.feedback.factories import answers_for, attend, ended_session, session_form
from tests.teachers.factories import RosterEntryFactory

pytestmark = pytest.mark.django_db


def _formset(rows: list[dict], *, initial: int = 0) -> dict:
    data = {
        "questions-TOTAL_FORMS": str(len(rows)),
        "questions-INITIAL_FORMS": str(initial),
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data |= {f"questions-{index}-{name}": value for name, value in row.items()}
    return data


def _row(text, *, kind="likert", order="", options="", metric="", required="on", delete=""):
    row = {"kind": kind, "text": text, "help_text": "", "metric_key": metric, "options": options, "ORDER": order}
    if required:
        row["is_required"] = "on"
    if delete:
        row["DELETE"] = "on"
    return row


def test_the_committee_creates_a_form_with_options_written_one_per_line(client, committee_member):
    client.force_login(committee_member)
    data = {"title": "Workshop feedback", "intro": "Thanks for coming.", "purpose": "session"} | _formset(
        [
            _row(
                "Format?", kind="single", order="2", options="online: Online\nIn person\n\n", metric="format_preference"
            ),
            _row("It was useful.", order="1", metric="knowledge"),
            _row(""),  # the empty extra row, as the browser sends it
        ]
    )
    page = client.post(reverse("feedback:builder_create"), data)
    form = Form.objects.get(title="Workshop feedback")
    assert page["Location"] == reverse("feedback:builder_edit", args=[form.pk])
    assert [(q.text, q.kind, q.metric_key) for q in form.questions.all()] == [
        ("It was useful.", "likert", "knowledge"),
        ("Format?", "single", "format_preference"),
    ]
    assert list(form.questions.get(kind="single").options.values_list("value", "label")) == [
        ("online", "Online"),
        ("in_person", "In person"),
    ]


def test_a_choice_question_without_options_is_shown_again_with_the_error(client, committee_member):
    client.force_login(committee_member)
    data = {"title": "Broken", "intro": "", "purpose": "session"} | _formset([_row("Pick one", kind="single")])
    page = client.post(reverse("feedback:builder_create"), data)
    assert page.status_code == 200
    assert "Give at least two options, one per line." in page.content.decode()
    assert not Form.objects.filter(title="Broken").exists()
    assert "<title>Error: New form – MedEd</title>" in page.content.decode()


def test_editing_an_answered_form_makes_a_new_version_and_says_so(client, committee_member):
    form = session_form()
    session, member = ended_session(), MemberFactory()
    attend(session, member)
    submit_response(member=member, session=session, answers=answers_for(form))
    client.force_login(committee_member)
    url = reverse("feedback:builder_edit", args=[form.pk])
    assert "This version has 1 response. Saving your changes makes version 2" in client.get(url).content.decode()
    specs = specs_for(form)
    rows = [
        _row(
            s.text,
            kind=s.kind,
            order=str(i),
            metric=s.metric_key,
            options="\n".join(f"{v}: {lbl}" for v, lbl in s.options),
            required="on" if s.is_required else "",
        )
        for i, s in enumerate(specs, start=1)
    ]
    rows[0]["text"] = "All things considered, how was this session?"
    rows[-1]["DELETE"] = "on"
    page = client.post(url, {"title": form.title, "intro": form.intro} | _formset(rows, initial=len(rows)), follow=True)
    new = Form.objects.get(family="session-feedback", is_current=True)
    assert new.version == 2 and new.is_default
    assert page.redirect_chain[-1][0] == reverse("feedback:builder_edit", args=[new.pk])
    assert "saved as version 2" in page.content.decode()
    assert new.questions.count() == len(specs) - 1
    assert new.questions.get(position=1).text == "All things considered, how was this session?"
    assert form.questions.get(position=1).text == "Overall, how would you rate this session?"


def test_reordering_an_unanswered_form_changes_it_in_place(client, committee_member):
    form = session_form()
    client.force_login(committee_member)
    specs = specs_for(form)
    rows = [
        _row(
            s.text,
            kind=s.kind,
            order=str(len(specs) - i),
            metric=s.metric_key,
            options="\n".join(f"{v}: {lbl}" for v, lbl in s.options),
            required="on" if s.is_required else "",
        )
        for i, s in enumerate(specs)
    ]
    client.post(
        reverse("feedback:builder_edit", args=[form.pk]),
        {"title": form.title, "intro": ""} | _formset(rows, initial=len(rows)),
    )
    form.refresh_from_db()
    assert form.version == 1
    assert [q.text for q in form.questions.all()] == [s.text for s in reversed(specs)]


def test_the_lead_teacher_chooses_the_form_and_a_co_teacher_may_not(client, teacher):
    session = ended_session(lead=teacher)
    co_teacher = RosterEntryFactory(session=session).teacher
    other = Form.objects.create(family="short", purpose="session", title="Short form")
    client.force_login(co_teacher)
    assert client.get(reverse("feedback:session_form", args=[session.pk])).status_code == 403
    client.force_login(teacher)
    page = client.post(reverse("feedback:session_form", args=[session.pk]), {"form": other.pk})
    assert page["Location"] == reverse("events:detail", args=[session.pk])
    assert FormChoice.objects.get(session=session).form == other


def test_only_current_session_forms_are_offered(client, committee_member):
    session = ended_session()
    client.force_login(committee_member)
    survey = Form.objects.get(family="society-survey")
    page = client.post(reverse("feedback:session_form", args=[session.pk]), {"form": survey.pk})
    assert page.status_code == 200
    assert "Select a valid choice." in page.content.decode()
    assert not FormChoice.objects.exists()


def test_each_question_fieldset_starts_with_its_legend(client, committee_member):
    client.force_login(committee_member)
    page = client.get(reverse("feedback:builder_edit", args=[session_form().pk])).content.decode()
    fieldsets = re.findall(r"<fieldset[^>]*>\s*<(\w+)", page)
    assert fieldsets and set(fieldsets) == {"legend"}
