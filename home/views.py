"""The pages that gather every app for the signed-in member: the home page (what is theirs first,
then a teacher's and the committee's work waiting) and the download of their own data. This app
sits above every app it reads (the import-linter contract in pyproject.toml), and none imports it."""

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.text import slugify
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from attendance import selectors as attendance_selectors
from events import permissions as event_permissions
from events.selectors import approval_queue
from feedback import coding
from feedback.selectors import comments_to_moderate, feedback_due
from home.my_data import export_member_data, member_data_zip
from members import permissions
from notifications.enums import MessageStatus
from notifications.permissions import can_view_outbox
from notifications.selectors import outbox_status
from teachers.selectors import sessions_by_need


class HomeView(TemplateView):
    """For a signed-in member, what is theirs first: their next session with its way in, feedback
    to give and waiting-list places; a teacher's next session and registers to take; the
    committee's work waiting. Each figure comes from the selector of the app that owns it (this
    page reads every app, as the member's data export does; none of them reads this one), and
    the page's queries do not grow with the data."""

    template_name = "home/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["profile_incomplete"] = user.is_authenticated and (
            not user.first_name or not user.last_name or (user.year_of_study is None and not user.is_staff)
        )
        if user.is_authenticated:
            now = timezone.now()
            context |= _member_home(user, now=now)
            if permissions.is_teacher(user):
                context |= _teacher_home(user, now=now)
            if permissions.is_committee(user):
                context |= _committee_home(user, now=now)
        return context


def _member_home(user, *, now) -> dict:
    groups = attendance_selectors.split_by_time(
        attendance_selectors.upcoming_registrations_for(member=user, now=now), now=now
    )
    place = groups["upcoming"][0] if groups["upcoming"] else None
    if place is not None:
        session = place.session
        place.offers_check_in = event_permissions.offers_check_in(session, place, now=now)
        place.joins_online = event_permissions.offers_meeting_link(session, place)
    positions = attendance_selectors.waitlist_positions(groups["waitlisted"])
    for registration in groups["waitlisted"]:
        registration.position = positions[registration.pk]
    return {
        "next_place": place,
        "waiting_places": groups["waitlisted"],
        "feedback_to_give": feedback_due(member=user, now=now).count(),
    }


def _teacher_home(user, *, now) -> dict:
    groups = sessions_by_need(teacher=user, now=now)
    taught = groups["upcoming"][0] if groups["upcoming"] else None
    if taught is not None:
        taught.check_in_open = event_permissions.check_in_open(taught, now=now)
        taught.can_take_register = event_permissions.can_take_register(user, taught, now=now)
    return {"next_taught": taught, "registers_to_take": len(groups["needs_register"])}


def _committee_home(user, *, now) -> dict:
    coded, comments = coding.coding_progress(coder=user, filters=coding.CommentFilters(viewer=user))
    waiting = {
        "awaiting_approval": approval_queue().count(),
        "registers_not_taken": attendance_selectors.sessions_without_register(now=now).count(),
        "comments_to_moderate": comments_to_moderate(viewer=user, now=now).count(),
        "uncoded_comments": comments - coded,
        "failed_emails": outbox_status(now=now).counts[MessageStatus.FAILED],
    }
    return {
        "committee_waiting": waiting,
        "committee_has_waiting": any(waiting.values()),
        "can_view_outbox": can_view_outbox(user),
    }


@method_decorator(never_cache, name="dispatch")
class MyDataView(LoginRequiredMixin, View):
    """The signed-in member's own data as a zip (JSON and CSV files); never anyone else's."""

    def get(self, request):
        data = member_data_zip(export_member_data(member=request.user))
        response = HttpResponse(data, content_type="application/zip")
        filename = f"{slugify(settings.SOCIETY_NAME)}-my-data-{timezone.localdate().isoformat()}.zip"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
