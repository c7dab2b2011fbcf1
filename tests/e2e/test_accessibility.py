"""axe-core over every page each role can reach, at a desktop and a phone width, in Chromium.

Each (role, width) runs in one browser context, signed in once. A page is scanned as loaded, and
again in the states people meet: a form sent with mistakes, the menu opened. Any violation, of
any impact, fails the run with the rule, the elements and the page.

To add a page, add a line to PAGES (or ADMIN_PAGES). A named URL that is neither scanned nor in
NOT_SCANNED with its reason fails `test_every_page_is_scanned_or_excluded_with_a_reason`.
"""

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError

from attendance import checkin
from attendance.services import register
from events.enums import SessionFormat, SessionStatus
from events.services import add_material, approve_session
from feedback.models import Form, Response, Theme
from feedback.services import create_survey, submit_response
from members.services import request_year_of_study_correction
from notifications.models import Message
from notifications.preferences import unsubscribe_token
from teachers.models import TeacherApplication
from teachers.services import apply_to_teach, issue_teaching_certificate, propose_session
from tests.events.factories import SessionFactory
from tests.factories import MemberFactory
from tests.feedback.factories import answers_for, attend, ended_session, session_form

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).parent / "assets" / "axe-core" / "axe.min.js"
AXE_VERSION = "4.14.1"
# As axe-core's own package records it (sri-history.json); see assets/axe-core/README.md.
AXE_SHA256 = "KTSJmUUM3yhJqOcLeRL8LahahJ2jnA0NU5T1HUqe2Vw="

WIDTHS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 740}}
ANON, STUDENT, TEACHER, COMMITTEE, ADMIN = "anonymous", "student", "teacher", "committee", "admin"
MEMBERS = (STUDENT, TEACHER, COMMITTEE)
EVERYONE = (ANON, *MEMBERS)


@dataclass(frozen=True)
class Submit:
    """Send the page's form with mistakes: `fill` maps CSS selectors of fields to values first; the browser's
    own checks are switched off so the server's error messages show."""

    button: str
    fill: tuple[tuple[str, str], ...] = ()


MENU = "menu"  # the phone's menu button pressed; on a desktop, the Committee dropdown opened

# url name (or a path), its arguments (keys of the `pages_data` fixture), who is scanned on it, and
# in what state: None as loaded, MENU, Submit(...), or the error status the page answers with.
# A name may appear more than once, in different states.
PAGES = [
    ("home", (), (*EVERYONE, ADMIN), None),
    ("home", (), (*EVERYONE, ADMIN), MENU),
    ("/no-such-page/", (), EVERYONE, 404),
    ("events:approvals", (), (STUDENT,), 403),
    # Signing in, joining, passwords.
    ("account_login", (), (ANON,), None),
    (
        "account_login",
        (),
        (ANON,),
        Submit("Sign in", (("#id_login", "nobody@example.ac.uk"), ("#id_password", "wrong"))),
    ),
    ("account_signup", (), (ANON,), None),
    ("account_signup", (), (ANON,), Submit("Join")),
    ("account_reset_password", (), (ANON,), None),
    ("account_reset_password", (), (ANON,), Submit("Email me a reset link", (("#id_email", "not an address"),))),
    ("account_reset_password_done", (), (ANON,), None),
    ("account_reset_password_from_key", ("bad_uid", "bad_key"), (ANON,), None),
    ("account_reset_password_from_key_done", (), (ANON,), None),
    ("account_email_verification_sent", (), (ANON,), None),
    ("account_confirm_email", ("bad_key",), (ANON,), None),
    ("account_inactive", (), (ANON,), None),
    ("socialaccount_login_cancelled", (), (ANON,), None),
    ("socialaccount_login_error", (), (ANON,), 401),
    ("account_logout", (), (STUDENT,), None),
    ("account_email", (), (STUDENT,), None),
    ("account_change_password", (), (STUDENT,), None),
    ("account_change_password", (), (STUDENT,), Submit("Change password")),
    ("account_reauthenticate", (), (STUDENT,), None),
    ("socialaccount_connections", (), (STUDENT,), None),
    # The footer's pages.
    ("privacy", (), (ANON, STUDENT), None),
    ("accessibility", (), (ANON, STUDENT), None),
    ("contact", (), (ANON, STUDENT), None),
    # Public pages reached from outside.
    ("certificates:verify", ("certificate",), (ANON,), None),
    ("notifications:unsubscribe", ("unsubscribe_token",), (ANON,), None),
    # Every member.
    ("events:catalogue", (), MEMBERS, None),
    ("events:month", (), MEMBERS, None),
    ("events:detail", ("upcoming",), MEMBERS, None),
    ("events:detail", ("ended",), MEMBERS, None),
    ("events:calendar", (), (STUDENT,), None),
    ("attendance:mine", (), MEMBERS, None),
    ("attendance:cancel_confirm", ("registration",), (STUDENT,), None),
    ("attendance:code", (), (STUDENT,), None),
    ("attendance:code", (), (STUDENT,), Submit("Check in", (("#code", "000000"),))),
    ("attendance:check_in", ("live", "check_in_token"), (STUDENT,), None),
    ("feedback:to_give", (), MEMBERS, None),
    ("feedback:answer_session", ("ended",), (STUDENT,), None),
    ("feedback:answer_session", ("ended",), (STUDENT,), Submit("Send my answers")),
    ("feedback:answer_session_thanks", ("ended",), (STUDENT,), None),
    ("feedback:answer_survey", ("survey",), (STUDENT,), None),
    ("feedback:answer_survey", ("survey",), (STUDENT,), Submit("Send my answers")),
    ("feedback:answer_survey_thanks", ("survey",), (STUDENT,), None),
    ("members:profile", (), MEMBERS, None),
    ("members:profile", (), (STUDENT,), Submit("Save profile", (("#id_first_name", ""),))),
    ("members:close_account", (), (STUDENT,), None),
    ("members:year_request", (), (STUDENT,), None),
    ("members:year_request", (), (TEACHER,), Submit("Send to the committee")),
    ("notifications:preferences", (), (STUDENT,), None),
    ("teachers:apply", (), (STUDENT,), None),
    ("teachers:apply", (), (STUDENT,), Submit("Send my application")),
    # Teachers.
    ("teachers:dashboard", (), (TEACHER,), None),
    ("teachers:propose", (), (TEACHER,), None),
    ("teachers:propose", (), (TEACHER,), Submit("Submit for approval")),
    ("teachers:log", (), (TEACHER,), None),
    ("portfolio:mine", (), (TEACHER,), None),
    ("feedback:my_results", (), (TEACHER,), None),
    ("feedback:session_results", ("ended",), (TEACHER, COMMITTEE), None),
    ("events:detail", ("submitted",), (TEACHER,), None),
    ("events:edit", ("submitted",), (TEACHER,), None),
    ("events:detail", ("live",), (STUDENT, TEACHER), None),
    ("attendance:screen", ("live",), (TEACHER,), None),
    ("attendance:sheet", ("live",), (TEACHER,), None),
    # The committee.
    ("analytics:dashboard", (), (COMMITTEE,), None),
    ("events:approvals", (), (COMMITTEE,), None),
    ("events:approvals", (), (COMMITTEE,), Submit("Approve ticked")),
    ("events:edit", ("upcoming",), (COMMITTEE,), None),
    ("events:edit", ("upcoming",), (COMMITTEE,), Submit("Save changes", (("#id_title", ""),))),
    ("events:cancel", ("upcoming",), (COMMITTEE,), None),
    ("events:cancel", ("upcoming",), (COMMITTEE,), Submit("Cancel the session")),
    ("events:detail", ("submitted",), (COMMITTEE,), None),
    ("attendance:screen", ("live",), (COMMITTEE,), None),
    ("attendance:sheet", ("ended",), (COMMITTEE,), None),
    ("attendance:import_report", ("ended",), (COMMITTEE,), None),
    ("attendance:import_report", ("ended",), (COMMITTEE,), Submit("Preview")),
    ("teachers:applications", (), (COMMITTEE,), None),
    ("teachers:import_sessions", (), (COMMITTEE,), None),
    ("teachers:import_sessions", (), (COMMITTEE,), Submit("Import")),
    ("members:year_requests", (), (COMMITTEE,), None),
    ("members:import", (), (COMMITTEE,), None),
    ("members:import", (), (COMMITTEE,), Submit("Import")),
    ("feedback:builder", (), (COMMITTEE,), None),
    ("feedback:builder_create", (), (COMMITTEE,), None),
    ("feedback:builder_create", (), (COMMITTEE,), Submit("Save")),
    ("feedback:builder_edit", ("session_form",), (COMMITTEE,), None),
    ("feedback:session_form", ("upcoming",), (COMMITTEE,), None),
    ("feedback:surveys", (), (COMMITTEE,), None),
    ("feedback:survey_create", (), (COMMITTEE,), None),
    ("feedback:survey_create", (), (COMMITTEE,), Submit("Create the survey")),
    ("feedback:survey_results", ("closed_survey",), (COMMITTEE,), None),
    ("feedback:survey_import", (), (COMMITTEE,), None),
    ("feedback:survey_import", (), (COMMITTEE,), Submit("Upload")),
    ("feedback:coding_interview", (), (COMMITTEE,), None),
    ("feedback:coding_interview", (), (COMMITTEE,), Submit("Upload")),
    ("feedback:moderation", (), (COMMITTEE,), None),
    ("feedback:coding", (), (COMMITTEE,), None),
    ("feedback:coding_agreement", (), (COMMITTEE,), None),
    ("feedback:coding_themes", (), (COMMITTEE,), None),
    ("feedback:coding_codebook", (), (COMMITTEE,), None),
]

# The admin's pages for MedEd's models: each registered model's list, and the form of one row of
# the main ones (the key names the row in `pages_data`).
ADMIN_CHANGE_FORMS = {
    "events.session": "upcoming",
    "members.member": "student",
    "feedback.form": "session_form",
    "feedback.survey": "survey",
    "notifications.message": "message",
    "teachers.teacherapplication": "application",
    "members.yearofstudyrequest": "year_request",
    "feedback.theme": "theme",
    "certificates.certificate": "issued_certificate",
}
ADMIN_PAGES = [
    ("admin:index", (), (ADMIN,), None),
    ("admin:events_session_add", (), (ADMIN,), None),
    *[
        (f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist", (), (ADMIN,), None)
        for model in admin.site._registry
        if model._meta.app_label
        in {"members", "events", "teachers", "attendance", "feedback", "notifications", "certificates"}
    ],
    *[(f"admin:{label.replace('.', '_')}_change", (key,), (ADMIN,), None) for label, key in ADMIN_CHANGE_FORMS.items()],
]

# Named URLs not scanned, and why. Everything else is scanned, through PAGES or ADMIN_PAGES.
NOT_SCANNED = {
    "healthz": "plain text for the proxy",
    "readyz": "plain text for the proxy",
    "members:withdraw_year_request": "POST only",
    "members:decide_year_request": "POST only",
    "events:submit": "POST only",
    "events:add_material": "POST only",
    "events:recording": "POST only",
    "events:delete_material": "POST only",
    "events:ics": "a calendar file",
    "events:material": "the material's file or link",
    "events:year_feed": "a calendar file",
    "events:personal_feed": "a calendar file",
    "attendance:register": "POST only",
    "attendance:screen_state": "JSON for the check-in screen",
    "attendance:sheet_csv": "a CSV file",
    "attendance:certificate": "a PDF file",
    "certificates:pdf": "a PDF file",
    "teachers:invite": "POST only",
    "teachers:answer_invitation": "POST only",
    "feedback:builder_default": "POST only",
    "feedback:survey_csv": "a CSV file",
    "feedback:survey_comments_csv": "a CSV file",
    "feedback:coding_resolve": "POST only",
    "feedback:coding_quote": "POST only",
    "feedback:coding_export": "a CSV file",
    "analytics:metrics_json": "JSON",
    "analytics:metrics_csv": "a CSV file",
    "analytics:table_csv": "a CSV file",
    "account_set_password": "redirects to changing the password: every member has one",
    "account_confirm_login_code": "redirects to signing in: sign-in by e-mailed code is not offered",
    "socialaccount_signup": "redirects to signing in unless a Microsoft sign-in is under way",
    "home:my_data": "a zip of the member's own data",
    "microsoft_login": "redirects to Microsoft",
    "microsoft_callback": "the answer from Microsoft, not a page",
}
# The admin is Django's own: only its pages for MedEd's models are scanned (ADMIN_PAGES).
ADMIN_PREFIX = "admin/"


def _url(name: str, args: tuple, data: dict) -> str:
    if name.startswith("/"):
        return name
    return reverse(name, args=[getattr(data[key], "pk", data[key]) for key in args])


def _label(name: str, args: tuple, state) -> str:
    label = name + (f"({', '.join(args)})" if args else "")
    if isinstance(state, Submit):
        label += " sent with mistakes"
    elif state == MENU:
        label += " with the menu open"
    return label


@pytest.fixture
def pages_data():
    """One of everything the pages show, for each role, written through the services."""
    student = MemberFactory(email="aisha@example.ac.uk", first_name="Aisha", last_name="Khan", year_of_study=3)
    teacher = MemberFactory(
        email="tom@example.ac.uk", first_name="Tom", last_name="Okafor", year_of_study=5, roles=["teacher"]
    )
    committee = MemberFactory(email="chloe@example.ac.uk", first_name="Chloe", last_name="Chair", roles=["committee"])
    staff = MemberFactory(email="admin@example.ac.uk", first_name="Ada", is_staff=True, is_superuser=True)

    start = timezone.now() + dt.timedelta(days=4)
    upcoming = propose_session(
        teacher=teacher,
        submit=True,
        title="Prescribing safety",
        topic="Pharmacology",
        description="Common prescribing errors and how to avoid them.",
        format=SessionFormat.HYBRID,
        venue="Lecture Theatre 1",
        capacity=40,
        meeting_url="https://teams.microsoft.com/l/meetup-join/abc",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        target_years=[3, 4],
    )
    approve_session(session=upcoming, by=committee)
    add_material(session=upcoming, by=teacher, title="Slides", url="https://example.org/slides")
    registration = register(session=upcoming, member=student, mode="in_person")
    submitted = propose_session(
        teacher=teacher,
        submit=True,
        title="Renal physiology",
        topic="Renal",
        format=SessionFormat.ONLINE,
        meeting_url="https://teams.microsoft.com/l/meetup-join/def",
        starts_at=start + dt.timedelta(days=3),
        ends_at=start + dt.timedelta(days=3, hours=1),
        target_years=[1, 2],
    )
    live = SessionFactory(
        title="Cardiac cycle",
        status=SessionStatus.PUBLISHED,
        starts_at=timezone.now() - dt.timedelta(minutes=5),
        ends_at=timezone.now() + dt.timedelta(minutes=55),
        lead=teacher,
    )
    attend(live, student, attendance="")

    # Ended with its register taken: five others have answered its feedback (released), the
    # student has not yet.
    ended = ended_session(title="Acid–base disorders", lead=teacher, register_taken=True, target_years=[3])
    attend(ended, student)
    form = session_form()
    for _ in range(settings.FEEDBACK_MIN_RESPONSES):
        other = MemberFactory(year_of_study=3)
        attend(ended, other)
        submit_response(member=other, session=ended, answers=answers_for(form, text="Clear worked examples."))
    assert Response.objects.filter(session=ended).exists()
    certificate = issue_teaching_certificate(teacher=teacher)

    survey_form = Form.objects.get(family="society-survey", is_current=True)
    survey = create_survey(
        form=survey_form,
        title="Annual society survey",
        opens_at=timezone.now() - dt.timedelta(days=1),
        closes_at=timezone.now() + dt.timedelta(days=14),
        by=committee,
    )
    closed_survey = create_survey(
        form=survey_form,
        title="Last year's survey",
        opens_at=timezone.now() - dt.timedelta(days=30),
        closes_at=timezone.now() - dt.timedelta(days=1),
        by=committee,
    )
    year_request = request_year_of_study_correction(
        member=student, year=4, reason="I returned from intercalating this September."
    )
    apply_to_teach(
        member=MemberFactory(first_name="Priya", last_name="Shah", year_of_study=4),
        subjects="Anatomy",
        motivations=["giving_back"],
    )
    return {
        ANON: None,
        STUDENT: student,
        TEACHER: teacher,
        COMMITTEE: committee,
        ADMIN: staff,
        "student": student,
        "upcoming": upcoming,
        "submitted": submitted,
        "live": live,
        "ended": ended,
        "registration": registration,
        "certificate": certificate.code,
        "issued_certificate": certificate,
        "check_in_token": checkin.token_for(live.pk),
        "unsubscribe_token": unsubscribe_token(member=student, category="reminders"),
        "survey": survey,
        "closed_survey": closed_survey,
        "session_form": form,
        "year_request": year_request,
        "application": TeacherApplication.objects.get(),
        "theme": Theme.objects.order_by("pk").first(),
        "message": Message.objects.order_by("pk").first(),
        "bad_uid": "zz",
        "bad_key": "no-such-key",
    }


# On the admin's pages, what axe leaves out, and why: each is in Django's own templates and scripts,
# not in MedEd's (and MedEd's own inlines label their controls, meded/admin_inlines.py).
ADMIN_AXE = {
    "context": {
        "exclude": [
            # SelectFilter2.js (the two-box picker for groups and permissions) puts aria-label on
            # the magnifier icon, a plain span; the visible label beside it names the search box.
            ".selector .help-tooltip",
        ],
    },
    "options": {
        "rules": {
            # A tabular inline leaves the headers of its row-title and delete columns empty
            # (admin/edit_inline/tabular.html); a best practice, not a WCAG criterion.
            "empty-table-header": {"enabled": False},
            # On a phone a read-only inline's table scrolls sideways in a wrapper with nothing to
            # focus; Chromium (since 130) and Firefox let the keyboard focus such scrollers anyway.
            "scrollable-region-focusable": {"enabled": False},
        },
    },
}
OWN_AXE = {"context": {"exclude": []}, "options": {"rules": {}}}


def _scan(page, axe_settings: dict) -> list[dict]:
    results = page.evaluate(
        """async ({context, options}) => {
          const results = await axe.run(
            {include: [document], exclude: context.exclude}, {...options, resultTypes: ["violations"]},
          );
          return {
            version: axe.version,
            passes: results.passes.length,
            violations: results.violations.map(v => ({
              id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(" ")),
            })),
          };
        }""",
        axe_settings,
    )
    # A scan that checked nothing (an error page from the browser, axe not injected) is no pass.
    assert (results["version"], results["passes"] > 0) == (AXE_VERSION, True)
    return results["violations"]


def _put_in_state(page, state, viewport):
    if isinstance(state, Submit):
        page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
        for selector, value in state.fill:
            page.locator(selector).fill(value)
        page.get_by_role("button", name=state.button, exact=True).click()
        page.wait_for_load_state()
        assert page.locator(".is-invalid, .errorlist, .alert-danger, [role=alert]").count(), "no error shown"
    elif state == MENU:
        if viewport["width"] < 992:
            page.get_by_role("button", name="Show menu").click()
            page.locator("#main-nav.show").wait_for()
        else:
            page.get_by_role("button", name="Committee").click()
            page.locator(".dropdown-menu.show").wait_for()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("role", [ANON, STUDENT, TEACHER, COMMITTEE, ADMIN])
def test_no_accessibility_violations(live_server, browser, pages_data, role, width):
    viewport = WIDTHS[width]
    context = browser.new_context(viewport=viewport, bypass_csp=True, base_url=live_server.url)
    if pages_data[role] is not None:
        client = Client()
        client.force_login(pages_data[role])
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    context.add_init_script(path=str(AXE))
    context.set_default_timeout(10_000)
    page = context.new_page()
    found = {}
    scanned = 0
    for name, args, roles, state in [*PAGES, *ADMIN_PAGES]:
        if role not in roles:
            continue
        if state == MENU and viewport["width"] >= 992 and role not in (COMMITTEE, ADMIN):
            continue  # no dropdown in a member's desktop menu
        url = _url(name, args, pages_data)
        try:
            response = page.goto(url)
            # A page that redirects (to sign in, say) or fails would have another page scanned in its name.
            status = state if isinstance(state, int) else 200
            assert (response.status, page.url) == (status, f"{live_server.url}{url}")
            _put_in_state(page, state, viewport)
            violations = _scan(page, ADMIN_AXE if name.startswith("admin:") else OWN_AXE)
        except (AssertionError, PlaywrightError) as error:
            raise AssertionError(f"{role} at {viewport['width']} px, {_label(name, args, state)}: {error}") from error
        scanned += 1
        for violation in violations:
            found.setdefault(_label(name, args, state), []).append(
                f"  {violation['id']} ({violation['impact']}): {violation['help']}\n"
                + "".join(f"    {target}\n" for target in violation["targets"])
            )
    context.close()
    assert scanned > 0
    assert not found, f"{role} at {viewport['width']} px:\n" + "\n".join(
        f"{page_label}\n{''.join(lines)}" for page_label, lines in found.items()
    )


def _named_patterns(resolver: URLResolver, namespace: str = "", prefix: str = ""):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _named_patterns(entry, ns, route)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", route


def test_every_page_is_scanned_or_excluded_with_a_reason():
    named = {name for name, route in _named_patterns(get_resolver()) if not route.startswith(ADMIN_PREFIX)}
    scanned = {name for name, *_ in PAGES if not name.startswith("/")}
    assert named - scanned - set(NOT_SCANNED) == set()
    # An exclusion for a page that is scanned, or that no longer exists, is stale.
    assert set(NOT_SCANNED) & scanned == set()
    assert set(NOT_SCANNED) - named == set()
    assert all(reason for reason in NOT_SCANNED.values())


def test_axe_core_is_the_pinned_file():
    digest = base64.b64encode(hashlib.sha256(AXE.read_bytes()).digest()).decode()
    assert digest == AXE_SHA256
    assert AXE.read_text()[:40].startswith(f"/*! axe v{AXE_VERSION}")
