from io import StringIO

import pytest
from django.core.management import call_command

from analytics.metrics import for_year
from attendance.enums import AttendanceStatus
from attendance.models import RegisterTaken, Registration
from events.models import Session
from members.academic_year import AcademicYear
from members.models import Member
from teachers.models import RosterEntry, TeacherApplication

pytestmark = pytest.mark.django_db


def _counts():
    return (
        Member.objects.count(),
        Session.objects.count(),
        Registration.objects.count(),
        TeacherApplication.objects.count(),
    )


def test_seed_demo_builds_a_society_with_history_and_is_idempotent(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = _counts()
    call_command("seed_demo", stdout=StringIO())

    assert _counts() == first
    assert "Every demo password is: meded-demo" in out.getvalue()
    assert Member.objects.get(email="committee@example.ac.uk").check_password("meded-demo")
    assert set(Session.objects.values_list("status", flat=True)) == {
        "published",
        "submitted",
        "draft",
        "completed",
        "cancelled",
    }
    completed = Session.objects.filter(status="completed")
    assert RegisterTaken.objects.filter(session__in=completed).count() == completed.count()
    assert set(Registration.objects.exclude(attendance="").values_list("attendance", flat=True)) == {
        "present",
        "late",
        "absent",
        "excused",
    }
    attended = Registration.objects.filter(attendance__in=AttendanceStatus.attended)
    assert set(attended.values_list("year_of_study", flat=True)) >= {1, 2, 3, 4, 6}
    assert set(attended.values_list("attended_mode", flat=True)) == {"online", "in_person"}


def _last_year() -> AcademicYear:
    return AcademicYear(AcademicYear.current().start_year - 1)


def test_seed_demo_records_last_years_rows_with_last_years_year_of_study(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    start, end = _last_year().starts_on, _last_year().ends_on
    last_year = Registration.objects.filter(session__starts_at__date__range=(start, end)).select_related("member")
    assert last_year.count() > 200
    for registration in last_year:
        member = registration.member
        expected = 6 if member.graduated_on else member.year_of_study - 1
        assert registration.year_of_study == expected
    assert not last_year.filter(member__year_of_study=1, member__graduated_on__isnull=True).exists()
    assert last_year.filter(is_walk_in=True).exists()
    teacher4 = RosterEntry.objects.filter(teacher__email="teacher4@example.ac.uk")
    assert set(
        teacher4.filter(session__starts_at__date__range=(start, end)).values_list("year_of_study", flat=True)
    ) == {3}
    assert set(teacher4.filter(session__starts_at__date__gt=end).values_list("year_of_study", flat=True)) == {4}
    ended = Session.objects.filter(starts_at__date__range=(start, end))
    assert ended.filter(status="cancelled").exclude(cancellation_reason="").count() == 2
    without_register = ended.filter(status="published", register_taken__isnull=True)
    assert without_register.count() == 2
    assert not RegisterTaken.objects.filter(session__in=without_register).exists()
    applied = TeacherApplication.objects.filter(status="approved").values_list("created_at", flat=True)
    assert {AcademicYear.containing(day.date()) for day in applied} == {_last_year(), AcademicYear.current()}


def test_seed_demo_fills_the_dashboard_for_this_year_and_the_last(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    for year in (AcademicYear.current(), _last_year()):
        document = for_year(year)
        bands = document["participants"]["bands"]
        assert bands["years_1_2"]["n"] >= 15 and bands["years_3_6"]["n"] >= 30
        rates = document["attendance"]["bands"]
        assert rates["years_1_2"]["rate_pct"] > rates["years_3_6"]["rate_pct"] > 0
        assert all(document["format"]["overall"][mode] > 0 for mode in ("online", "in_person"))
        assert document["teaching"]["teachers"] >= 5 and document["teaching"]["motivations"]
        assert document["feedback"]["responses"] >= 50
        assert all("mean" in metric for metric in document["feedback"]["metrics"].values())
        survey = document["survey"]
        assert survey["is_shown"]
        assert all(band["n"] >= 15 for band in survey["respondents"]["bands"].values())
        assert set(survey["lecture_attendance"]["bands"]) == {"years_1_2", "years_3_6"}
        assert all("suppressed" not in band for band in survey["lecture_attendance"]["bands"].values())
        assert "suppressed" not in survey["teaching_motivations"]
        assert all(theme["comments"] > 0 and theme["quotes"] for theme in document["themes"])
    assert for_year(_last_year())["attendance"]["sessions_without_register"] == 2


def test_seed_demo_refuses_with_debug_off(settings):
    from django.core.management import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo", stdout=StringIO())
    assert Member.objects.count() == 0


def test_seed_demo_gives_a_printed_student_a_certificate_and_teacher4_a_portfolio(settings):
    from certificates.models import Certificate
    from portfolio.selectors import portfolio_for

    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=StringIO())

    (certificate,) = Certificate.objects.filter(holder__email="student1@example.ac.uk")
    assert certificate.kind == "attendance"
    registration = Registration.objects.get(member__email="student1@example.ac.uk")
    assert (registration.session.title, registration.attendance) == ("Respiratory physiology", AttendanceStatus.PRESENT)
    assert f"https://meded.example.ac.uk/verify/{certificate.code}/" in out.getvalue()
    portfolio = portfolio_for(teacher=Member.objects.get(email="teacher4@example.ac.uk"))
    assert portfolio.counted_sessions >= 1 and portfolio.responses >= settings.FEEDBACK_MIN_RESPONSES
    assert portfolio.metrics and portfolio.comments
    assert portfolio.approval.decided_by.email == "committee@example.ac.uk"
