import datetime as dt
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from attendance import checkin
from attendance.models import RegisterTaken, Registration
from attendance.services import CheckInRefused, check_in, register
from feedback.selectors import feedback_due
from feedback.services import FeedbackError, check_can_respond_to_session
from tests.attendance.factories import RegistrationFactory
from tests.events.factories import ProposedSessionFactory
from tests.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _registrations_during_the_session(settings):
    # These tests register people for sessions already running, to keep each test short.
    settings.ALLOW_LATE_REGISTRATION = True


@pytest.fixture
def teacher():
    return MemberFactory(first_name="Tom", roles=["teacher"], year_of_study=5)


def test_tokens_rotate_each_window_and_the_previous_one_stays_valid():
    now = 1_800_000_000.0  # the start of a window
    token = checkin.token_for(7, at=now)
    assert checkin.token_is_valid(7, token, at=now)
    assert checkin.token_is_valid(7, token, at=now + 30)  # the next window still accepts it
    assert not checkin.token_is_valid(7, token, at=now + 60)  # two windows later: expired
    assert checkin.token_for(7, at=now + 30) != token
    assert not checkin.token_is_valid(8, token, at=now)  # bound to its session


def test_short_codes_are_six_digits_and_expire_the_same_way():
    now = 1_800_000_000.0
    code = checkin.short_code_for(7, at=now)
    assert len(code) == 6 and code.isdigit()
    assert checkin.short_code_is_valid(7, code, at=now + 30)
    assert not checkin.short_code_is_valid(7, code, at=now + 60)


def test_check_in_marks_a_registrant_present_in_person(teacher):
    session = ProposedSessionFactory(teacher=teacher, hybrid=True, running=True)
    member = MemberFactory(year_of_study=2)
    register(session=session, member=member, mode="online")  # registered online, came in person

    registration, new = check_in(session=session, member=member, source="qr")

    assert new is True
    assert (registration.attendance, registration.attended_mode, registration.attendance_source) == (
        "present",
        "in_person",
        "qr",
    )


def test_after_the_grace_period_check_in_is_late(teacher, settings):
    settings.CHECK_IN_GRACE_MINUTES = 10
    session = ProposedSessionFactory(teacher=teacher, hybrid=True, starts_in=-dt.timedelta(minutes=15))
    registration, _ = check_in(session=session, member=MemberFactory(year_of_study=2), source="code")
    assert registration.attendance == "late"


def test_checking_in_twice_keeps_the_first_time(teacher):
    session = ProposedSessionFactory(teacher=teacher, hybrid=True, running=True)
    member = MemberFactory(year_of_study=2)
    first, _ = check_in(session=session, member=member, source="qr")
    second, new = check_in(session=session, member=member, source="code")
    assert new is False
    assert (second.pk, second.checked_in_at, second.attendance_source) == (first.pk, first.checked_in_at, "qr")
    assert Registration.objects.count() == 1


def test_an_eligible_member_who_did_not_register_is_a_walk_in(teacher):
    session = ProposedSessionFactory(teacher=teacher, hybrid=True, running=True)
    registration, _ = check_in(session=session, member=MemberFactory(year_of_study=2), source="qr")
    assert (registration.is_walk_in, registration.state, registration.year_of_study) == (True, "registered", 2)


def test_members_of_other_years_are_refused_and_check_in_closes_at_the_end(teacher):
    session = ProposedSessionFactory(teacher=teacher, hybrid=True, running=True, target_years=[1])
    with pytest.raises(CheckInRefused, match="other years"):
        check_in(session=session, member=MemberFactory(year_of_study=4), source="qr")
    later = timezone.now() + dt.timedelta(hours=2)
    with pytest.raises(CheckInRefused, match="closed"):
        check_in(session=session, member=MemberFactory(year_of_study=1), source="qr", now=later)


def test_scanning_the_qr_code_after_signing_in_checks_in(client, teacher):
    session = ProposedSessionFactory(teacher=teacher, hybrid=True, running=True)
    member = MemberFactory(year_of_study=2)
    url = reverse("attendance:check_in", args=[session.pk, checkin.token_for(session.pk)])

    assert client.get(url)["Location"] == f"{reverse('account_login')}?next={url}"
    client.force_login(member)
    response = client.get(url)

    assert "You are checked in." in response.content.decode()
    assert Registration.objects.get(member=member).attendance == "present"


def test_a_signed_in_phone_checks_in_with_the_one_request_the_qr_link_makes(client, teacher):
    session = ProposedSessionFactory(teacher=teacher, hybrid=True, running=True)
    member = MemberFactory(year_of_study=2)
    client.force_login(member)

    response = client.get(reverse("attendance:check_in", args=[session.pk, checkin.token_for(session.pk)]), follow=True)

    assert (response.status_code, response.redirect_chain) == (200, [])
    assert response.context["ok"] is True
    assert Registration.objects.get(member=member).attendance_source == "qr"


def test_an_expired_qr_code_explains_and_offers_the_typed_code(client, teacher):
    session = ProposedSessionFactory(teacher=teacher, hybrid=True, running=True)
    client.force_login(MemberFactory(year_of_study=2))
    old = checkin.token_for(session.pk, at=time.time() - 120)
    content = client.get(reverse("attendance:check_in", args=[session.pk, old])).content.decode()
    assert "This check-in code has expired." in content
    assert Registration.objects.count() == 0


def test_typing_the_short_code_checks_in(client, teacher):
    session = ProposedSessionFactory(teacher=teacher, hybrid=True, running=True)
    member = MemberFactory(year_of_study=2)
    client.force_login(member)
    wrong = client.post(
        reverse("attendance:code"), {"code": "000000" if checkin.short_code_for(session.pk) != "000000" else "111111"}
    )
    assert "That code is not right, or has expired." in wrong.content.decode()
    response = client.post(reverse("attendance:code"), {"code": checkin.short_code_for(session.pk)})
    assert "You are checked in." in response.content.decode()
    assert Registration.objects.get(member=member).attendance_source == "code"


def test_with_redis_away_typing_the_short_code_checks_in_at_once(client, teacher, redis_away):
    # The typed code's limiter counts tries in the cache; with Redis stopped or frozen it lets
    # everyone try (meded/cache.py), and a wrong code is still refused.
    session = ProposedSessionFactory(teacher=teacher, hybrid=True, running=True)
    member = MemberFactory(year_of_study=2)
    client.force_login(member)
    wrong = "000000" if checkin.short_code_for(session.pk) != "000000" else "111111"

    start = time.monotonic()
    refused = client.post(reverse("attendance:code"), {"code": wrong})
    response = client.post(reverse("attendance:code"), {"code": checkin.short_code_for(session.pk)})
    seconds = time.monotonic() - start

    assert "That code is not right, or has expired." in refused.content.decode()
    assert "You are checked in." in response.content.decode()
    assert Registration.objects.get(member=member).attendance_source == "code"
    assert seconds < 2


def test_with_redis_away_scanning_the_qr_code_signs_in_and_checks_in_at_once(client, teacher, redis_away):
    # Most attendees scan on a phone that is not signed in: sign-in is the part that needs Redis.
    session = ProposedSessionFactory(teacher=teacher, hybrid=True, running=True)
    member = MemberFactory(year_of_study=2)
    url = reverse("attendance:check_in", args=[session.pk, checkin.token_for(session.pk)])

    start = time.monotonic()
    to_sign_in = client.get(url)
    signed_in = client.post(to_sign_in["Location"], {"login": member.email, "password": PASSWORD})
    response = client.get(signed_in["Location"])
    seconds = time.monotonic() - start

    assert to_sign_in["Location"] == f"{reverse('account_login')}?next={url}"
    assert (signed_in.status_code, signed_in["Location"]) == (302, url)
    assert "You are checked in." in response.content.decode()
    assert Registration.objects.get(member=member).attendance_source == "qr"
    assert seconds < 2


def test_the_screen_shows_a_qr_code_and_its_state_updates(client, teacher):
    session = ProposedSessionFactory(teacher=teacher, hybrid=True, running=True)
    check_in(session=session, member=MemberFactory(year_of_study=2), source="qr")
    client.force_login(teacher)

    page = client.get(reverse("attendance:screen", args=[session.pk])).content.decode()
    state = client.get(reverse("attendance:screen_state", args=[session.pk])).json()

    assert "<svg" in page and checkin.short_code_for(session.pk) in page
    assert state["count"] == 1
    assert state["code"] == checkin.short_code_for(session.pk)
    assert state["svg"].startswith("<svg")


def test_attendees_cannot_open_the_screen(client, teacher):
    session = ProposedSessionFactory(teacher=teacher, hybrid=True, running=True)
    client.force_login(MemberFactory(year_of_study=2))
    assert client.get(reverse("attendance:screen", args=[session.pk])).status_code == 403
    assert client.get(reverse("attendance:screen_state", args=[session.pk])).status_code == 403


def test_the_register_saves_statuses_in_bulk_and_adds_walk_ins(client, teacher):
    session = ProposedSessionFactory(teacher=teacher, hybrid=True, running=True)
    a, b, c = (MemberFactory(year_of_study=2, last_name=name) for name in ("Adams", "Brown", "Clark"))
    ra, rb, _ = (register(session=session, member=m, mode="in_person") for m in (a, b, c))
    walk_in = MemberFactory(email="walk.in@example.ac.uk", year_of_study=2)
    client.force_login(teacher)

    client.post(
        reverse("attendance:sheet", args=[session.pk]), {f"status-{ra.pk}": "present", f"status-{rb.pk}": "excused"}
    )
    client.post(reverse("attendance:sheet", args=[session.pk]), {"walk_in": "1", "email": "WALK.IN@example.ac.uk"})

    statuses = dict(Registration.objects.values_list("member__last_name", "attendance"))
    assert statuses == {"Adams": "present", "Brown": "excused", "Clark": "", walk_in.last_name: "present"}
    assert RegisterTaken.objects.get(session=session).taken_by == teacher
    page = client.get(reverse("attendance:sheet", args=[session.pk])).content.decode()
    assert "anyone without a status counts as absent" in page
    assert "walk-in" in page


def test_teachers_may_correct_the_register_for_a_limited_time_the_committee_always(client, teacher, settings):
    settings.REGISTER_EDIT_DAYS = 7
    session = ProposedSessionFactory(teacher=teacher, hybrid=True, starts_in=-dt.timedelta(days=9))
    client.force_login(teacher)
    assert client.get(reverse("attendance:sheet", args=[session.pk])).status_code == 403
    client.force_login(MemberFactory(roles=["committee"]))
    assert client.get(reverse("attendance:sheet", args=[session.pk])).status_code == 200


def test_a_register_only_touches_its_own_sessions_registrations(client, teacher):
    session = ProposedSessionFactory(teacher=teacher, hybrid=True, running=True)
    other = ProposedSessionFactory(teacher=teacher, hybrid=True, running=True)
    outsider = register(session=other, member=MemberFactory(year_of_study=2), mode="in_person")
    client.force_login(teacher)
    client.post(reverse("attendance:sheet", args=[session.pk]), {f"status-{outsider.pk}": "absent"})
    outsider.refresh_from_db()
    assert outsider.attendance == ""


def _pdf_text(content: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_register_csv_is_safe_for_spreadsheets_and_counts_blanks_absent_once_taken(client, teacher):
    import csv
    import io

    session = ProposedSessionFactory(teacher=teacher, hybrid=True, running=True)
    sly = MemberFactory(first_name="=HYPERLINK(1)", last_name="Sly", email="sly@example.ac.uk", year_of_study=2)
    quiet = MemberFactory(first_name="Quiet", last_name="Quinn", email="quiet@example.ac.uk", year_of_study=2)
    present = register(session=session, member=sly, mode="in_person")
    register(session=session, member=quiet, mode="online")
    client.force_login(teacher)
    client.post(reverse("attendance:sheet", args=[session.pk]), {f"status-{present.pk}": "present"})

    response = client.get(reverse("attendance:sheet_csv", args=[session.pk]))

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert rows[0][:6] == ["first_name", "last_name", "email", "year_of_study", "registered_mode", "attendance"]
    assert rows[1][:8] == ["Quiet", "Quinn", "quiet@example.ac.uk", "2", "online", "absent", "", ""]
    assert rows[2][:8] == [
        "'=HYPERLINK(1)",
        "Sly",
        "sly@example.ac.uk",
        "2",
        "in_person",
        "present",
        "in_person",
        "teacher",
    ]


def test_attended_members_download_an_attendance_certificate_from_my_sessions(client, teacher):
    session = ProposedSessionFactory(teacher=teacher, hybrid=True, running=True)
    member = MemberFactory(first_name="Aisha", last_name="Khan", year_of_study=2)
    registration, _ = check_in(session=session, member=member, source="qr")
    session.ends_at = timezone.now() - dt.timedelta(minutes=1)
    session.starts_at = session.ends_at - dt.timedelta(hours=1)
    session.save()
    client.force_login(member)

    page = client.get(reverse("attendance:mine")).content.decode()
    assert "Certificate (PDF)" in page
    pdf = client.get(reverse("attendance:certificate", args=[registration.pk]))

    text = _pdf_text(pdf.content)
    assert "Certificate of attendance" in text
    assert "This certifies that Aisha Khan attended Renal on" in text
    assert "(1 hour), in person, a near-peer teaching session of MedEd." in " ".join(text.split())
    client.force_login(MemberFactory(year_of_study=2))
    assert client.get(reverse("attendance:certificate", args=[registration.pk])).status_code == 404


def test_a_teacher_cannot_add_themself_or_a_member_of_another_year_as_a_walk_in(client, teacher):
    teacher.last_name = "Okafor"
    teacher.save()
    session = ProposedSessionFactory(teacher=teacher, hybrid=True, running=True)
    year_five = MemberFactory(email="year.five@example.ac.uk", year_of_study=5, first_name="Finn", last_name="Five")
    client.force_login(teacher)
    url = reverse("attendance:sheet", args=[session.pk])
    own = client.post(url, {"walk_in": "1", "email": teacher.email}, follow=True)
    other_year = client.post(url, {"walk_in": "1", "email": year_five.email}, follow=True)
    assert Registration.objects.filter(session=session).count() == 0
    assert "Tom Okafor teaches this session, so cannot be its attendee." in own.content.decode()
    assert (
        "Finn Five cannot be added: this session is for year 2 and their profile says 5." in other_year.content.decode()
    )


def test_a_teacher_on_the_register_all_the_same_cannot_give_feedback_on_their_session(teacher):
    session = ProposedSessionFactory(
        teacher=teacher, hybrid=True, starts_in=-dt.timedelta(minutes=120)
    )  # an hour long: it has ended
    RegistrationFactory(session=session, member=teacher, walk_in=True)
    with pytest.raises(FeedbackError, match="You taught this session"):
        check_can_respond_to_session(session=session, member=teacher)
    assert list(feedback_due(member=teacher)) == []
