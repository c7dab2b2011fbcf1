"""Every URL the project serves, with the roles allowed. A new URL fails here until it is listed."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from certificates.document import document
from certificates.enums import CertificateKind
from certificates.models import Certificate
from events.services import add_material, approve_session, calendar_token_for, create_session, submit_session
from feedback.models import Form
from feedback.services import create_survey
from notifications.preferences import unsubscribe_token
from tests.factories import MemberFactory

PUBLIC, SIGNED_IN, TEACHER, COMMITTEE, POST_ONLY = "public", "signed in", "teacher", "committee", "post only"
# Private objects answer 404 to signed-in members who may not see them, so their existence does not leak.
COMMITTEE_ELSE_404 = "committee, else not found"
OWN_ONLY_404 = "its own member only, else not found"

# name -> (who may GET it, what its URL takes). Object views are checked against a published
# session whose roster does not include the teacher role below; feeds take a year or a valid token.
ACCESS = {
    "home": (PUBLIC, None),
    "healthz": (PUBLIC, None),  # for the proxy and the container healthchecks (tests/test_health.py)
    "readyz": (PUBLIC, None),
    "privacy": (PUBLIC, None),
    "accessibility": (PUBLIC, None),
    "contact": (PUBLIC, None),
    "members:profile": (SIGNED_IN, None),
    "home:my_data": (SIGNED_IN, None),  # the signed-in member's own data, nobody else's
    "members:close_account": (SIGNED_IN, None),
    "members:import": (COMMITTEE, None),
    "members:year_request": (SIGNED_IN, None),  # the member's own year and requests
    "members:withdraw_year_request": (POST_ONLY, None),  # the member's own pending request
    "members:year_requests": (COMMITTEE, None),
    "members:decide_year_request": (POST_ONLY, "year_request"),  # committee, not their own (tested apart)
    "events:catalogue": (SIGNED_IN, None),
    "events:month": (SIGNED_IN, None),
    "events:approvals": (COMMITTEE, None),
    "events:detail": (SIGNED_IN, "session"),
    "events:edit": (COMMITTEE, "session"),
    "events:cancel": (COMMITTEE, "session"),
    "events:submit": (POST_ONLY, "session"),
    "events:ics": (SIGNED_IN, "session"),
    "events:add_material": (POST_ONLY, "session"),
    "events:recording": (POST_ONLY, "session"),
    "events:material": (COMMITTEE_ELSE_404, "material"),  # and the session's teachers (tested apart)
    "events:delete_material": (POST_ONLY, "material"),
    "events:calendar": (SIGNED_IN, None),
    "events:year_feed": (PUBLIC, "year"),
    "events:personal_feed": (PUBLIC, "token"),  # the secret token is the credential
    "attendance:register": (POST_ONLY, "session"),
    "attendance:cancel_confirm": (OWN_ONLY_404, "registration"),  # asks first; POST cancels (tested apart)
    "attendance:mine": (SIGNED_IN, None),
    "attendance:screen": (COMMITTEE, "session"),
    "attendance:screen_state": (COMMITTEE, "session"),
    "attendance:sheet": (COMMITTEE, "session"),
    "attendance:sheet_csv": (COMMITTEE, "session"),
    "attendance:import_report": (COMMITTEE, "session"),
    "attendance:certificate": (OWN_ONLY_404, "registration"),
    "attendance:code": (SIGNED_IN, None),
    "attendance:check_in": (SIGNED_IN, "check_in_token"),  # an expired or wrong token is a message
    "teachers:dashboard": (TEACHER, None),
    "teachers:propose": (TEACHER, None),
    "teachers:import_sessions": (COMMITTEE, None),
    "teachers:apply": (SIGNED_IN, None),
    "teachers:applications": (COMMITTEE, None),
    "teachers:invite": (POST_ONLY, "session"),
    "teachers:answer_invitation": (POST_ONLY, "invitation"),
    "teachers:log": (TEACHER, None),
    "certificates:pdf": (COMMITTEE_ELSE_404, "certificate"),  # and its holder (tested apart)
    "certificates:verify": (PUBLIC, "certificate"),
    "portfolio:mine": (TEACHER, None),
    "feedback:session_results": (COMMITTEE_ELSE_404, "session"),  # and the session's teachers (tested apart)
    "feedback:my_results": (TEACHER, None),
    "feedback:moderation": (COMMITTEE, None),
    "feedback:surveys": (COMMITTEE, None),
    "feedback:survey_create": (COMMITTEE, None),
    "feedback:survey_import": (COMMITTEE, None),
    "feedback:survey_results": (COMMITTEE, "survey"),
    "feedback:survey_csv": (COMMITTEE, "closed_survey"),
    "feedback:survey_comments_csv": (COMMITTEE, "closed_survey"),
    "feedback:to_give": (SIGNED_IN, None),
    "feedback:answer_session": (SIGNED_IN, "session"),  # not eligible: a page that says why
    "feedback:answer_session_thanks": (SIGNED_IN, "session"),
    "feedback:answer_survey": (SIGNED_IN, "survey"),
    "feedback:answer_survey_thanks": (SIGNED_IN, "survey"),
    "feedback:builder": (COMMITTEE, None),
    "feedback:builder_create": (COMMITTEE, None),
    "feedback:builder_edit": (COMMITTEE, "form"),
    "feedback:builder_default": (POST_ONLY, "form"),
    "feedback:session_form": (COMMITTEE, "session"),  # and the session's lead teacher (tested apart)
    "feedback:coding": (COMMITTEE, None),
    "feedback:coding_agreement": (COMMITTEE, None),
    "feedback:coding_resolve": (POST_ONLY, None),
    "feedback:coding_quote": (POST_ONLY, None),
    "feedback:coding_themes": (COMMITTEE, None),
    "feedback:coding_export": (COMMITTEE, None),
    "feedback:coding_codebook": (COMMITTEE, None),
    "feedback:coding_interview": (COMMITTEE, None),
    "analytics:dashboard": (COMMITTEE, None),
    "analytics:metrics_json": (COMMITTEE, None),
    "analytics:metrics_csv": (COMMITTEE, None),
    "analytics:table_csv": (COMMITTEE, "table"),
    "notifications:preferences": (SIGNED_IN, None),
    "notifications:unsubscribe": (PUBLIC, "unsubscribe_token"),  # the signed token is the credential
}
# URL trees whose access rules are a library's own (and tested upstream): allauth under accounts/
# checks the session, the admin checks is_staff.
THIRD_PARTY_PREFIXES = ("accounts/", "admin/")


def _patterns(resolver: URLResolver, namespace: str = "", prefix: str = ""):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry, ns, route)
        elif isinstance(entry, URLPattern):
            yield (f"{namespace}{entry.name}" if entry.name else f"<unnamed {route}>"), route


def test_every_url_is_listed_with_its_roles():
    ours = {name for name, route in _patterns(get_resolver()) if not route.startswith(THIRD_PARTY_PREFIXES)}
    assert ours == set(ACCESS)


ROLES = ["anonymous", "member", "teacher", "committee"]
ALLOWED = {
    PUBLIC: set(ROLES),
    SIGNED_IN: {"member", "teacher", "committee"},
    TEACHER: {"teacher"},
    COMMITTEE: {"committee"},
    POST_ONLY: set(),
    COMMITTEE_ELSE_404: {"committee"},
    OWN_ONLY_404: set(),
}


@pytest.fixture
def published_session():
    lead = MemberFactory(roles=["teacher"])
    start = timezone.now() + dt.timedelta(days=3)
    session = create_session(
        created_by=lead,
        title="Cardiology",
        format="online",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        target_years=[1],
        meeting_url="https://teams.example/meet",
    )
    submit_session(session=session, by=lead)
    return approve_session(session=session, by=lead)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ACCESS))
@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_only_what_it_may(client, name, role, published_session):
    material = add_material(
        session=published_session,
        by=published_session.created_by,
        title="Slides",
        file=SimpleUploadedFile("slides.pdf", b"%PDF-1.4 slides"),
    )
    certificate = Certificate.objects.create(
        holder=published_session.created_by,
        code="ABC123",
        kind=CertificateKind.TEACHING,
        holder_name="Lead",
        body=document(heading="Certificate of teaching", statement="Taught one session.", sections=[]),
    )
    survey = create_survey(
        form=Form.objects.get(family="society-survey", is_current=True),
        title="Annual survey",
        opens_at=timezone.now(),
        closes_at=timezone.now() + dt.timedelta(days=14),
        by=None,
    )
    # A survey's answers are downloaded once it has closed (before that the page says why).
    closed_survey = create_survey(
        form=survey.form,
        title="Last term's survey",
        opens_at=timezone.now() - dt.timedelta(days=14),
        closes_at=timezone.now() - dt.timedelta(days=1),
        by=None,
    )
    if role != "anonymous":
        roles = {"member": [], "teacher": ["teacher"], "committee": ["committee"]}[role]
        client.force_login(MemberFactory(roles=roles))
    rule, takes = ACCESS[name]
    args = {
        None: [],
        "session": [published_session.pk],
        "year": [1],
        "token": [calendar_token_for(member=published_session.created_by).token],
        "unsubscribe_token": [unsubscribe_token(member=published_session.created_by, category="reminders")],
        "invitation": [1],
        "year_request": [1],
        "registration": [1],
        "check_in_token": [published_session.pk, "0" * 32],
        "certificate": [certificate.code],
        "material": [material.pk],
        "survey": [survey.pk],
        "closed_survey": [closed_survey.pk],
        "form": [Form.objects.get(family="session-feedback", is_current=True).pk],
        "table": ["participants"],
    }[takes]
    response = client.get(reverse(name, args=args))
    if role in ALLOWED[rule]:
        assert response.status_code == 200
    elif role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif rule == POST_ONLY:
        assert response.status_code == 405
    elif rule in (COMMITTEE_ELSE_404, OWN_ONLY_404):
        assert response.status_code == 404
    else:
        assert response.status_code == 403
