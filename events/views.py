import datetime as dt
from calendar import Calendar, monthrange

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from events import cards, clashes, ical, permissions, selectors, services, session_page
from events.enums import SessionStatus
from events.forms import CancelForm, CatalogueFilterForm, MaterialForm, RecordingForm, SessionForm
from events.models import CalendarToken, Material, Session
from meded.links import url_for
from meded.pagination import OneQueryPaginator
from members.enums import YEARS_OF_STUDY
from members.permissions import is_committee


def warn_about_clashes(request, session: Session) -> None:
    """Tell the teacher at once about clashes and the near-peer rule; they are warnings, not errors."""
    for warning in clashes.warnings_for([selectors.session_for_page(pk=session.pk)])[session.pk]:
        messages.warning(request, warning)


class SessionObjectMixin(LoginRequiredMixin):
    """Loads the session with its joins and checks the signed-in member may see it (404 if not,
    so drafts do not reveal that they exist)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        self.session = self.get_session(kwargs["pk"])
        self.check_permission()
        return super().dispatch(request, *args, **kwargs)

    def check_permission(self) -> None:
        """Views that act on the session narrow who may; seeing it is checked already."""

    def get_session(self, pk: int) -> Session:
        try:
            session = selectors.session_for_page(pk=pk)
        except Session.DoesNotExist:
            raise Http404 from None
        if not permissions.can_view_session(self.request.user, session):
            raise Http404
        return session


class CatalogueFiltersMixin(LoginRequiredMixin):
    """The catalogue's filters: the query string, with the member's own year on a first visit."""

    def get_filter_data(self) -> QueryDict:
        data = self.request.GET.copy()
        if "year" not in data and self.request.user.year_of_study:
            data["year"] = str(self.request.user.year_of_study)  # first visit: the member's own year
        return data

    def get_filter_form(self) -> CatalogueFilterForm:
        self.topics, self.series = cards.filter_choices()
        return CatalogueFilterForm(self.get_filter_data(), topics=self.topics, series=self.series)

    def filtered_sessions(self, **bounds):
        filters = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return selectors.sessions_for_catalogue(
            year=filters.get("year"),
            format=filters.get("format") or None,
            topic=filters.get("topic") or None,
            series_id=filters.get("series"),
            search=filters.get("q") or None,
            **({"date_from": filters.get("date_from"), "date_to": filters.get("date_to")} | bounds),
        )

    def query_context(self) -> dict:
        # The filters as applied, the member's own year included, so that a listing kept in the
        # cache links to the same pages for every member it is served to.
        query = self.get_filter_data()
        query.pop("page", None)
        return {"query_string": query.urlencode()}

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"filter_form": self.filter_form} | self.query_context()


class CatalogueView(CatalogueFiltersMixin, ListView):
    """Upcoming sessions as cards, 12 to a page. The listing (filters, cards and pages) is the same
    for every member who asks for the same filters, and comes from the cache until something it
    shows changes (events/cards.py)."""

    template_name = "events/catalogue.html"
    listing_template_name = "events/catalogue.html#listing"
    context_object_name = "sessions"
    paginate_by = 12
    paginator_class = OneQueryPaginator

    def get(self, request, *args, **kwargs):
        key = cards.listing_key(self.get_filter_data())
        listing = cards.cached_listing(key)
        if listing is not None:
            self.object_list = None  # nothing read: the listing shows it
            return self.render_to_response({"view": self, "listing": listing} | self.query_context())
        response = super().get(request, *args, **kwargs)
        if self.filter_form.is_valid():
            cards.keep_listing(key, response.context_data["listing"])
        return response

    def get_queryset(self):
        self.filter_form = self.get_filter_form()
        return self.filtered_sessions()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context |= {
            # The page's cards and its filters, from the cache where nothing they show has changed.
            "cards": cards.render_cards(context["sessions"]),
            "filters_key": cards.filters_key(self.filter_form, topics=self.topics, series=self.series),
        }
        return context | {"listing": render_to_string(self.listing_template_name, context, self.request)}


class CatalogueMonthView(CatalogueFiltersMixin, ListView):
    """The same catalogue as a month grid (a list by day on phones)."""

    template_name = "events/catalogue_month.html"
    context_object_name = "sessions"

    def get_month(self) -> dt.date:
        try:
            month = dt.datetime.strptime(self.request.GET.get("month", ""), "%Y-%m").date()
        except ValueError:
            month = None
        if month is None or not 2000 <= month.year <= 2100:
            return timezone.localdate().replace(day=1)
        return month

    def get_queryset(self):
        self.month = self.get_month()
        self.filter_form = self.get_filter_form()
        last_day = dt.date(self.month.year, self.month.month, monthrange(self.month.year, self.month.month)[1])
        return self.filtered_sessions(
            date_from=self.month,
            date_to=last_day,
            now=timezone.make_aware(dt.datetime.combine(self.month, dt.time.min)),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        by_day: dict[dt.date, list] = {}
        for session in context["sessions"]:
            by_day.setdefault(timezone.localtime(session.starts_at).date(), []).append(session)
        weeks = Calendar(firstweekday=0).monthdatescalendar(self.month.year, self.month.month)
        query = self.request.GET.copy()
        query.pop("month", None)
        previous_month = (self.month - dt.timedelta(days=1)).replace(day=1)
        next_month = (self.month + dt.timedelta(days=32)).replace(day=1)
        return context | {
            "month": self.month,
            "weeks": [[(day, by_day.get(day, [])) for day in week] for week in weeks],
            "days_with_sessions": sorted(by_day.items()),
            "filter_query": query.urlencode(),
            "previous_month": previous_month,
            "next_month": next_month,
            "today": timezone.localdate(),
        }


class SessionDetailView(SessionObjectMixin, TemplateView):
    template_name = "events/session_detail.html"

    def get_context_data(self, **kwargs):
        user, session = self.request.user, self.session
        # The viewer's own registration (the attendance app's table, read through its relation).
        registration = session.registrations.active().filter(member=user).first()
        registered = registration is not None and registration.holds_place
        can_edit = permissions.can_edit_session(user, session)
        can_review = permissions.can_review_sessions(user) and session.status == SessionStatus.SUBMITTED
        # What the apps above events own and the page shows (the viewer's place in a waiting list).
        context = super().get_context_data(**kwargs) | session_page.added_context(
            user=user, session=session, registration=registration
        )
        return context | {
            "session": session,
            "warnings": clashes.warnings_for([session])[session.pk] if can_edit or can_review else [],
            "can_edit": can_edit,
            "can_submit": permissions.can_submit_session(user, session),
            "can_cancel": permissions.can_cancel_session(user, session),
            "can_review": can_review,
            "sees_meeting_link": permissions.sees_meeting_link(
                user, session, online_place=permissions.holds_online_place(registration)
            ),
            "registration": registration,
            "can_take_register": permissions.can_take_register(user, session),
            # Workflow words ("Awaiting approval", "Published") are for those who run the session;
            # attendees are told only whether it has finished or been cancelled.
            "sees_workflow": can_edit or can_review or permissions.teaches(user, session) or is_committee(user),
            "has_finished": session.status == SessionStatus.COMPLETED or session.ends_at <= timezone.now(),
            # feedback.permissions.can_view_session_results, which this app may not import: the
            # session's teachers and the committee, with no time limit.
            "sees_feedback_results": session.status in SessionStatus.held
            and (permissions.can_review_sessions(user) or permissions.teaches(user, session)),
            "registration_open": permissions.registration_open(session),
            # While check-in is open the way in is offered, not a cancellation.
            "cancellation_open": permissions.cancellation_open(session, registration)
            and not permissions.check_in_open(session),
            "offers_check_in": permissions.offers_check_in(session, registration),
            "can_invite": permissions.can_invite_co_teachers(user, session),
            "sees_materials": permissions.sees_materials(user, session, registered=registered),
            "can_manage_materials": permissions.can_manage_materials(user, session),
            # A form sent with mistakes comes back here as sent (MaterialAddView, RecordingView).
            "material_form": kwargs.get("material_form") or MaterialForm(),
            "material_extensions": settings.MATERIAL_EXTENSIONS,
            "recording_form": kwargs.get("recording_form")
            or RecordingForm(initial={"recording_url": session.recording_url}),
        }


class SessionPermissionMixin(SessionObjectMixin):
    """After the session is loaded and visible, `permission(user, session)` must hold (else 403)."""

    permission = None

    def check_permission(self) -> None:
        if not type(self).permission(self.request.user, self.session):
            raise PermissionDenied


class SessionEditView(SessionPermissionMixin, FormView):
    template_name = "events/session_form.html"
    form_class = SessionForm
    permission = permissions.can_edit_session

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"instance": self.session}

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"session": self.session, "editing": True}

    def form_valid(self, form):
        try:
            services.update_session(
                session=self.session,
                changed_by=self.request.user,
                target_years=form.cleaned_data["target_years"],
                **form.session_fields,
            )
        except services.InvalidTransition as error:
            messages.error(self.request, str(error))
        else:
            messages.success(self.request, _("Your changes to “%s” have been saved.") % self.session.title)
            warn_about_clashes(self.request, self.session)
        return redirect("events:detail", pk=self.session.pk)


class SessionSubmitView(SessionPermissionMixin, View):
    http_method_names = ["post"]
    permission = permissions.can_submit_session

    def post(self, request, *args, **kwargs):
        try:
            services.submit_session(session=self.session, by=request.user)
        except services.InvalidTransition as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("“%s” has been sent to the committee for approval.") % self.session.title)
        return redirect("events:detail", pk=self.session.pk)


class SessionCancelView(SessionPermissionMixin, FormView):
    template_name = "events/session_cancel.html"
    form_class = CancelForm
    permission = permissions.can_cancel_session

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"session": self.session}

    def form_valid(self, form):
        try:
            services.cancel_session(session=self.session, by=self.request.user, reason=form.cleaned_data["reason"])
        except services.InvalidTransition as error:
            messages.error(self.request, str(error))
        else:
            messages.success(self.request, _("“%s” has been cancelled.") % self.session.title)
        return redirect("events:detail", pk=self.session.pk)


class ApprovalQueueView(LoginRequiredMixin, UserPassesTestMixin, TemplateView):
    """The committee's queue: approve or send back sessions, one at a time or several at once."""

    template_name = "events/approval_queue.html"

    def test_func(self):
        return permissions.can_review_sessions(self.request.user)

    def _refused(self, error: str, *, on: str):
        """The queue again, as it was sent (ticks and comment kept), with `error` in the summary
        linking to the comment box, or to the first session's tick box for "first_session"."""
        context = self.get_context_data()
        if on == "first_session":
            on = f"select-{context['rows'][0][0].pk}" if context["rows"] else "main"
        return self.render_to_response(
            context
            | {
                "approval_errors": [{"anchor": on, "text": error}],
                "has_form_errors": True,
                "ticked": {int(pk) for pk in self.request.POST.getlist("session") if pk.isdigit()},
                "comment": self.request.POST.get("comment", ""),
                "comment_error": error if on == "id_comment" else "",
            }
        )

    def get_context_data(self, **kwargs):
        sessions = list(selectors.approval_queue())
        warnings = clashes.warnings_for(sessions)
        return super().get_context_data(**kwargs) | {
            "rows": [(session, warnings[session.pk]) for session in sessions],
        }

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action", "")
        if action.startswith("approve:"):
            action, ids = "approve", [action.split(":", 1)[1]]
        else:
            ids = request.POST.getlist("session")
        sessions = list(Session.objects.filter(pk__in=[i for i in ids if i.isdigit()], status=SessionStatus.SUBMITTED))
        comment = request.POST.get("comment", "").strip()
        if not sessions:
            return self._refused(_("Tick at least one session first."), on="first_session")
        if action == "send_back" and not comment:
            return self._refused(_("Write a comment for the teachers before sending sessions back."), on="id_comment")
        done = 0
        for session in sessions:
            try:
                if action == "approve":
                    services.approve_session(session=session, by=request.user)
                elif action == "send_back":
                    services.send_back_session(session=session, by=request.user, comment=comment)
                else:
                    break
                done += 1
            except services.InvalidTransition as error:
                messages.warning(request, str(error))
        if action == "approve":
            messages.success(request, ngettext("%d session published.", "%d sessions published.", done) % done)
        elif action == "send_back":
            messages.success(
                request,
                ngettext("%d session sent back to its teachers.", "%d sessions sent back to their teachers.", done)
                % done,
            )
        return HttpResponseRedirect(reverse("events:approvals"))


def _ics_response(payload: bytes, *, filename: str, attachment: bool) -> HttpResponse:
    response = HttpResponse(payload, content_type="text/calendar; charset=utf-8")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


class SessionCalendarView(SessionObjectMixin, View):
    """One session as an .ics file to add to a calendar."""

    def get(self, request, *args, **kwargs):
        registration = self.session.registrations.holding_places().filter(member=request.user).first()
        payload = ical.calendar_bytes(
            [self.session],
            name=self.session.title,
            with_links=permissions.sees_meeting_link(
                request.user, self.session, online_place=permissions.holds_online_place(registration)
            ),
        )
        return _ics_response(payload, filename=f"meded-session-{self.session.pk}.ics", attachment=True)


class YearFeedView(View):
    """The public feed of a year of study's sessions (no meeting links: anyone may subscribe)."""

    def get(self, request, year: int):
        if year not in YEARS_OF_STUDY:
            raise Http404
        sessions = selectors.sessions_for_year_feed(year=year)
        payload = ical.calendar_bytes(sessions, name=_("MedEd – year %(year)s sessions") % {"year": year}, public=True)
        return _ics_response(payload, filename=f"meded-year-{year}.ics", attachment=False)


class PersonalFeedView(View):
    """A member's private feed, found by the secret token in its URL (calendar apps cannot sign in)."""

    def get(self, request, token: str):
        found = CalendarToken.objects.select_related("member").filter(token=token, member__is_active=True).first()
        if found is None:
            raise Http404
        member = found.member
        sessions = list(selectors.sessions_for_personal_feed(member=member))
        with_links = {
            session.pk
            for session in sessions
            if permissions.sees_meeting_link(member, session, online_place=session.has_online_place)
        }
        payload = ical.calendar_bytes(sessions, name=_("MedEd – my sessions"), with_links=with_links)
        return _ics_response(payload, filename="meded-my-sessions.ics", attachment=False)


class CalendarSettingsView(LoginRequiredMixin, TemplateView):
    """Where members find their subscription links, and reset their private one."""

    template_name = "events/calendar_settings.html"

    def get_context_data(self, **kwargs):
        token = services.calendar_token_for(member=self.request.user)
        return super().get_context_data(**kwargs) | {
            "personal_url": url_for("events:personal_feed", token.token),
            "year_urls": [(year, url_for("events:year_feed", year)) for year in YEARS_OF_STUDY],
        }

    def post(self, request, *args, **kwargs):
        services.reset_calendar_token(member=request.user)
        messages.success(request, _("Your private calendar link has been replaced; the old one no longer works."))
        return redirect("events:calendar")


class MaterialAddView(SessionPermissionMixin, SessionDetailView):
    """Adds a material; a form with mistakes is shown again on the session's page, as sent."""

    http_method_names = ["post"]
    permission = permissions.can_manage_materials

    def post(self, request, *args, **kwargs):
        form = MaterialForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(material_form=form))
        services.add_material(session=self.session, by=request.user, **form.cleaned_data)
        messages.success(request, _("“%s” has been added to the materials.") % form.cleaned_data["title"])
        return redirect("events:detail", pk=self.session.pk)


class MaterialView(LoginRequiredMixin, View):
    """Serves a material's file after checking the member may see the session's materials
    (files are never served straight from the media folder)."""

    def get(self, request, pk: int):
        material = Material.objects.filter(pk=pk).first()
        if material is None:
            raise Http404
        session = selectors.session_for_page(pk=material.session_id)
        registered = session.registrations.holding_places().filter(member=request.user).exists()
        allowed = permissions.sees_materials(request.user, session, registered=registered)
        if not (permissions.can_view_session(request.user, session) and allowed):
            raise Http404
        if material.url:
            return HttpResponseRedirect(material.url)
        filename = material.file.name.rsplit("/", 1)[-1]
        if settings.MEDIA_SIGNED_URLS:
            # Object storage: after the check, a link signed for this file that expires within
            # MEDIA_URL_EXPIRY seconds and downloads it under its name; kept out of any cache.
            signed = material.file.storage.url(
                material.file.name,
                parameters={"ResponseContentDisposition": content_disposition_header(True, filename)},
                expire=settings.MEDIA_URL_EXPIRY,
            )
            response = HttpResponseRedirect(signed)
            response["Cache-Control"] = "private, no-store"
            return response
        return FileResponse(material.file.open("rb"), as_attachment=True, filename=filename)


class MaterialDeleteView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        material = Material.objects.filter(pk=pk).first()
        if material is None:
            raise Http404
        session = selectors.session_for_page(pk=material.session_id)
        if not permissions.can_manage_materials(request.user, session):
            raise PermissionDenied
        services.remove_material(material=material)
        messages.success(request, _("“%s” has been removed.") % material.title)
        return redirect("events:detail", pk=session.pk)


class RecordingView(SessionPermissionMixin, SessionDetailView):
    """Saves the recording link; a wrong one is shown again on the session's page, as sent."""

    http_method_names = ["post"]
    permission = permissions.can_manage_materials

    def post(self, request, *args, **kwargs):
        form = RecordingForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(recording_form=form))
        services.set_recording_link(session=self.session, by=request.user, url=form.cleaned_data["recording_url"])
        messages.success(request, _("The recording link has been saved."))
        return redirect("events:detail", pk=self.session.pk)
