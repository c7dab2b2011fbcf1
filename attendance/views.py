import base64
import secrets
import time

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from attendance import checkin, selectors, services
from attendance.enums import AttendanceSource, AttendanceStatus, RegistrationState
from attendance.models import RegisterTaken, Registration
from certificates.pdf import certificate_pdf
from events.enums import SessionStatus
from events.models import Session
from events.permissions import (
    can_view_session,
    cancellation_open,
    check_in_open,
    offers_check_in,
    offers_meeting_link,
)
from events.selectors import session_for_page, sessions_open_for_check_in
from meded.links import url_for
from meded.spreadsheets import csv_response
from members.models import Member
from members.permissions import is_committee


class RegisterView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        session = Session.objects.prefetch_related("target_years", "roster").filter(pk=pk).first()
        if session is None or not can_view_session(request.user, session):
            raise Http404
        try:
            registration = services.register(session=session, member=request.user, mode=request.POST.get("mode"))
        except services.RegistrationRefused as refusal:
            messages.error(request, str(refusal))
        else:
            if registration.state == RegistrationState.REGISTERED:
                messages.success(request, _("You have a place at “%s”.") % session.title)
            else:
                messages.info(
                    request,
                    _(
                        "“%(title)s” is full: you are number %(position)s on the waiting list, "
                        "and get the next place that frees up."
                    )
                    % {"title": session.title, "position": services.waitlist_position(registration)},
                )
        return redirect("events:detail", pk=pk)


def _own_registration(request, pk: int) -> Registration:
    """The signed-in member's own active registration; 404 for anyone else's, so none leaks."""
    registration = (
        Registration.objects.select_related("session")
        .filter(pk=pk, member=request.user)
        .exclude(state=RegistrationState.CANCELLED)
        .first()
    )
    if registration is None:
        raise Http404
    return registration


def _cancel(request, registration: Registration):
    try:
        services.cancel_registration(registration=registration)
    except services.RegistrationRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("You are no longer registered for “%s”.") % registration.session.title)
    if request.POST.get("next") == "mine":
        return redirect("attendance:mine")
    return redirect("events:detail", pk=registration.session_id)


class CancelRegistrationConfirmView(LoginRequiredMixin, TemplateView):
    """Says what cancelling does (the place goes to the first on the waiting list, or back to the
    pool; a waiting-list place is simply given up) and cancels on POST. A plain form, so it works
    without JavaScript; the member's own registration only, else 404."""

    template_name = "attendance/registration_cancel.html"

    def get_context_data(self, **kwargs):
        registration = _own_registration(self.request, kwargs["pk"])
        session = registration.session
        next_page = "mine" if self.request.GET.get("next") == "mine" else ""
        return super().get_context_data(**kwargs) | {
            "registration": registration,
            "session": session,
            "cancellation_open": cancellation_open(session, registration),
            # Whether someone is waiting for a place in the same mode: they would get this one.
            "has_waiting": registration.state == RegistrationState.REGISTERED
            and session.status == SessionStatus.PUBLISHED
            and Registration.objects.filter(
                session=session, mode=registration.mode, state=RegistrationState.WAITLISTED
            ).exists(),
            "next": next_page,
            "back_url": reverse("attendance:mine") if next_page else reverse("events:detail", args=[session.pk]),
        }

    def post(self, request, pk: int):
        return _cancel(request, _own_registration(request, pk))


class MySessionsView(LoginRequiredMixin, TemplateView):
    """Upcoming sessions with their links, places on waiting lists, and past sessions."""

    template_name = "attendance/my_sessions.html"

    def get_context_data(self, **kwargs):
        registrations = list(selectors.registrations_for_member(member=self.request.user))
        groups = selectors.split_by_time(registrations)
        positions = selectors.waitlist_positions(groups["waitlisted"])
        for registration in groups["waitlisted"]:
            registration.position = positions[registration.pk]
        for registration in groups["waitlisted"]:
            registration.can_cancel = cancellation_open(registration.session, registration)
        for registration in groups["upcoming"]:
            registration.joins_online = offers_meeting_link(registration.session, registration)
            # While check-in is open the way in is offered, not a cancellation.
            registration.offers_check_in = offers_check_in(registration.session, registration)
            registration.can_cancel = cancellation_open(registration.session, registration) and not check_in_open(
                registration.session
            )
        return super().get_context_data(**kwargs) | groups


def _session_for_staff(request, pk: int):
    """The session, for its teachers (within the editing period) and the committee; 404 otherwise."""
    try:
        session = session_for_page(pk=pk)
    except Session.DoesNotExist:
        raise Http404 from None
    if not can_view_session(request.user, session):
        raise Http404
    if session.status not in SessionStatus.held:
        raise Http404  # drafts and cancelled sessions have no register
    if not services.can_edit_register(request.user, session):
        raise PermissionDenied
    return session


def _check_in_state(request, session) -> dict:
    url = url_for("attendance:check_in", session.pk, checkin.token_for(session.pk))
    svg = segno.make(url, error="m").svg_inline(scale=8, dark="#000", light="#fff", title="Check-in QR code")
    return {
        "svg": svg,
        "code": checkin.short_code_for(session.pk),
        "count": selectors.checked_in_count(session=session),
        "seconds": checkin.seconds_left(),
    }


class CheckInScreenView(LoginRequiredMixin, TemplateView):
    """Shown on the teacher's screen: a rotating QR code, the short code and a live count."""

    template_name = "attendance/check_in_screen.html"

    def get_context_data(self, **kwargs):
        session = _session_for_staff(self.request, kwargs["pk"])
        return super().get_context_data(**kwargs) | {
            "session": session,
            "state": _check_in_state(self.request, session),
            "is_open": check_in_open(session),
            "opens_minutes": settings.CHECK_IN_OPENS_MINUTES_BEFORE,
            "window_seconds": settings.CHECK_IN_WINDOW_SECONDS,
        }


class CheckInStateView(LoginRequiredMixin, View):
    """The screen's next QR code, code and count, polled by static/js/meded.js."""

    def get(self, request, pk: int):
        session = _session_for_staff(request, pk)
        response = JsonResponse(_check_in_state(request, session))
        response["Cache-Control"] = "no-store"
        return response


def _do_check_in(request, session, source: str):
    try:
        registration, new = services.check_in(session=session, member=request.user, source=source)
    except services.CheckInRefused as refusal:
        return {"ok": False, "message": str(refusal)}
    if not new:
        message = _("You were already checked in at %(time)s.") % {
            "time": timezone.localtime(registration.checked_in_at).strftime("%H:%M")
        }
    elif registration.attendance == AttendanceStatus.LATE:
        message = _("You are checked in (late).")
    else:
        message = _("You are checked in.")
    return {"ok": True, "message": message, "registration": registration}


class CheckInView(LoginRequiredMixin, TemplateView):
    """Opened by scanning the QR code. It checks in on GET: the token in the URL is valid for a
    minute and only visible in the room, so opening the link is the attendee's act of checking in
    (a second tap would fail slow phones at the edge of the window)."""

    template_name = "attendance/check_in_result.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated and checkin.token_is_valid(kwargs["pk"], kwargs["token"]):
            # Signing in on a phone takes longer than the code lives: remember that this visitor
            # scanned a valid code, and honour it for a few minutes after they sign in.
            request.session[PENDING_CHECK_IN] = {"session": kwargs["pk"], "at": time.time()}
        return super().dispatch(request, *args, **kwargs)

    def _scanned_in_time(self, pk: int, token: str) -> bool:
        if checkin.token_is_valid(pk, token):
            return True
        pending = self.request.session.get(PENDING_CHECK_IN) or {}
        return pending.get("session") == pk and time.time() - pending.get("at", 0) < PENDING_CHECK_IN_SECONDS

    def get_context_data(self, **kwargs):
        session = Session.objects.prefetch_related("target_years").filter(pk=kwargs["pk"]).first()
        if session is None or not self._scanned_in_time(kwargs["pk"], kwargs["token"]):
            return super().get_context_data(**kwargs) | {
                "ok": False,
                "session": session,
                "message": _(
                    "This check-in code has expired. Scan the code on the screen again, or type the short code."
                ),
            }
        self.request.session.pop(PENDING_CHECK_IN, None)  # a remembered scan is used once
        return (
            super().get_context_data(**kwargs)
            | {"session": session}
            | _do_check_in(self.request, session, AttendanceSource.QR)
        )


CODE_ATTEMPTS_PER_MINUTE = 5
PENDING_CHECK_IN = "meded_pending_check_in"
PENDING_CHECK_IN_SECONDS = 300


class CodeCheckInView(LoginRequiredMixin, TemplateView):
    """For those who cannot scan: type the six digits shown on the screen."""

    template_name = "attendance/check_in_code.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if error := context.get("error"):
            # Not a Django form: the page says itself that its one field came back with an error.
            context |= {"code_errors": [{"anchor": "code", "text": error}], "has_form_errors": True}
        return context

    def post(self, request, *args, **kwargs):
        # Six digits can be guessed: a member gets a few tries a minute (allauth-style, in the cache).
        # With Redis away the cache finds no counter and keeps none, so everyone may try (meded.cache).
        attempts_key = f"meded:check-in-code:{request.user.pk}"
        cache.add(attempts_key, 0, timeout=60)
        try:
            attempts = cache.incr(attempts_key)  # atomic in Redis and in the local cache
        except ValueError:  # the key expired between add and incr, or Redis is away
            cache.set(attempts_key, 1, timeout=60)
            attempts = 1
        if attempts > CODE_ATTEMPTS_PER_MINUTE:
            return self.render_to_response(
                self.get_context_data(error=_("Too many tries. Wait a minute, then type the code on the screen."))
            )
        code = request.POST.get("code", "").strip()
        candidates = sessions_open_for_check_in().prefetch_related("target_years")
        session = next((s for s in candidates if checkin.short_code_is_valid(s.pk, code)), None)
        if session is None:
            return self.render_to_response(
                self.get_context_data(
                    error=_("That code is not right, or has expired. Type the code on the screen now.")
                )
            )
        context = {"session": session} | _do_check_in(request, session, AttendanceSource.CODE)
        return self.response_class(request, ["attendance/check_in_result.html"], context)


class RegisterSheetView(LoginRequiredMixin, TemplateView):
    """The register: every registrant with a status, changed in bulk; walk-ins added by email."""

    template_name = "attendance/register_sheet.html"

    def get_context_data(self, **kwargs):
        session = _session_for_staff(self.request, kwargs["pk"])
        return super().get_context_data(**kwargs) | {
            "session": session,
            "registrations": selectors.register_sheet(session=session),
            "statuses": AttendanceStatus.choices,
            "taken": RegisterTaken.objects.filter(session=session).first(),
            # The committee settles disputes about attendance: it sees every change, by whom.
            "history": selectors.register_history(session=session) if is_committee(self.request.user) else None,
        }

    def post(self, request, pk: int):
        session = _session_for_staff(request, pk)
        if "walk_in" in request.POST:
            email = request.POST.get("email", "").strip()
            member = Member.objects.filter(email__iexact=email, is_active=True).first()
            try:
                if member is None:
                    raise services.RegistrationRefused(_("No member has the email %s.") % email)
                services.add_walk_in(session=session, member=member, by=request.user)
            except services.RegistrationRefused as refusal:
                # The page again, with the address as typed and why it was refused beside it.
                return self.render_to_response(
                    self.get_context_data(
                        pk=pk,
                        walk_in_email=email,
                        walk_in_errors=[{"anchor": "walk-in-email", "text": str(refusal)}],
                        has_form_errors=True,
                    )
                )
            messages.success(request, _("%s has been added as present.") % (member.get_full_name() or email))
            return redirect("attendance:sheet", pk=pk)
        statuses = {
            int(key.removeprefix("status-")): value
            for key, value in request.POST.items()
            if key.startswith("status-") and key.removeprefix("status-").isdigit()
        }
        services.take_register(session=session, by=request.user, statuses=statuses)
        messages.success(request, _("The register for “%s” has been saved.") % session.title)
        return redirect("attendance:sheet", pk=pk)


class RegisterExportView(LoginRequiredMixin, View):
    """The register as CSV, for the society's records."""

    def get(self, request, pk: int):
        session = _session_for_staff(request, pk)
        taken = RegisterTaken.objects.filter(session=session).exists()
        return csv_response(
            filename=f"register-{session.pk}-{timezone.localtime(session.starts_at):%Y-%m-%d}.csv",
            header=[
                "first_name",
                "last_name",
                "email",
                "year_of_study",
                "registered_mode",
                "attendance",
                "attended_mode",
                "taken_by",
                "checked_in_at",
                "walk_in",
            ],
            rows=(
                (
                    r.member.first_name,
                    r.member.last_name,
                    r.member.email,
                    r.year_of_study or "",
                    r.mode,
                    r.attendance or (AttendanceStatus.ABSENT if taken else ""),
                    r.attended_mode,
                    r.attendance_source,
                    timezone.localtime(r.checked_in_at).isoformat(timespec="minutes") if r.checked_in_at else "",
                    "yes" if r.is_walk_in else "",
                )
                for r in selectors.register_sheet(session=session)
            ),
        )


class AttendanceCertificateView(LoginRequiredMixin, View):
    """A PDF saying the member attended a session (present or late): issued once per
    registration, with a verification code, and the same certificate on every download."""

    def get(self, request, pk: int):
        registration = (
            Registration.objects.select_related("session", "member")
            .filter(pk=pk, member=request.user, attendance__in=AttendanceStatus.attended)
            .annotate(waits_for_feedback=selectors.certificate_waits_for_feedback())
            .first()
        )
        if registration is None:
            raise Http404
        if registration.waits_for_feedback:
            messages.info(
                request, _("Please give your feedback on this session first; then download your certificate.")
            )
            return redirect("feedback:answer_session", pk=registration.session_id)
        certificate = services.issue_attendance_certificate(registration=registration)
        response = HttpResponse(certificate_pdf(certificate), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="attendance-{registration.session_id}.pdf"'
        return response


class AttendanceImportView(LoginRequiredMixin, TemplateView):
    """Upload a Teams/Zoom report or a register CSV, see what it will do, then apply it."""

    template_name = "attendance/import_report.html"
    session_key = "meded_attendance_import"

    def get_context_data(self, **kwargs):
        session = _session_for_staff(self.request, kwargs["pk"])
        return super().get_context_data(**kwargs) | {"session": session}

    def post(self, request, pk: int):
        session = _session_for_staff(request, pk)
        if "apply" in request.POST:
            pending = request.session.get(self.session_key) or {}
            if pending.get("session") != session.pk or pending.get("nonce") != request.POST.get("nonce"):
                messages.error(request, _("Upload the report again: the preview has expired."))
                return redirect("attendance:import_report", pk=pk)
            request.session.pop(self.session_key, None)
            data, filename = base64.b64decode(pending["data"]), pending["filename"]
        else:
            upload = request.FILES.get("file")
            if upload is None or upload.size > settings.MEMBER_IMPORT_MAX_BYTES:
                return self.render_to_response(
                    self.get_context_data(
                        pk=pk,
                        file_errors=[{"anchor": "report-file", "text": _("Choose a report file (at most 5 MB).")}],
                        has_form_errors=True,
                    )
                )
            data, filename = upload.read(), upload.name
        try:
            plan = services.plan_attendance_import(session=session, data=data, filename=filename)
        except services.AttendanceImportError as error:
            return self.render_to_response({"session": session, "import_errors": error.errors, "filename": filename})
        if "apply" in request.POST:
            services.apply_attendance_import(session=session, plan=plan, by=request.user)
            messages.success(request, _("Attendance from %s has been recorded.") % filename)
            return redirect("attendance:sheet", pk=pk)
        # The apply button carries this preview's nonce, so a preview open in another tab cannot be
        # applied in its place.
        nonce = secrets.token_urlsafe(16)
        request.session[self.session_key] = {
            "session": session.pk,
            "filename": filename,
            "data": base64.b64encode(data).decode(),
            "nonce": nonce,
        }
        return self.render_to_response({"session": session, "plan": plan, "filename": filename, "nonce": nonce})
