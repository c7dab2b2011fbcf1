"""The academic-year rollover (service and `rollover_year` command) and the AcademicYear value."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from members.academic_year import AcademicYear
from members.models import Member, YearRollover
from members.services import RolloverAlreadyDone, RolloverRefused, rollover_year
from tests.factories import MemberFactory

THIS = AcademicYear.current()
NEXT = AcademicYear(THIS.start_year + 1)
FAR = AcademicYear(THIS.start_year + 2)

EARLIER_GRADUATION = dt.date(2025, 7, 1)


@pytest.fixture
def cohort(db):
    """One active student in each year, a member of staff, a suspended student and an earlier graduate."""
    for year in range(1, 7):
        MemberFactory(email=f"year{year}@example.ac.uk", year_of_study=year)
    MemberFactory(email="staff@example.ac.uk", year_of_study=None, is_staff=True)
    MemberFactory(email="suspended@example.ac.uk", year_of_study=3, is_active=False)
    MemberFactory(email="graduate@example.ac.uk", year_of_study=6, is_active=False, graduated_on=EARLIER_GRADUATION)


def state() -> dict[str, tuple]:
    return {
        email: (year, is_active, graduated_on)
        for email, year, is_active, graduated_on in Member.objects.values_list(
            "email", "year_of_study", "is_active", "graduated_on"
        )
    }


BEFORE = {
    "year1@example.ac.uk": (1, True, None),
    "year2@example.ac.uk": (2, True, None),
    "year3@example.ac.uk": (3, True, None),
    "year4@example.ac.uk": (4, True, None),
    "year5@example.ac.uk": (5, True, None),
    "year6@example.ac.uk": (6, True, None),
    "staff@example.ac.uk": (None, True, None),
    "suspended@example.ac.uk": (3, False, None),
    "graduate@example.ac.uk": (6, False, EARLIER_GRADUATION),
}


def after_rollover() -> dict[str, tuple]:
    return BEFORE | {
        "year1@example.ac.uk": (2, True, None),
        "year2@example.ac.uk": (3, True, None),
        "year3@example.ac.uk": (4, True, None),
        "year4@example.ac.uk": (5, True, None),
        # Year 5 moves into year 6 but does not graduate in the same run.
        "year5@example.ac.uk": (6, True, None),
        "year6@example.ac.uk": (6, False, timezone.localdate()),
    }


def run_rollover_command(*args) -> str:
    stdout = StringIO()
    call_command("rollover_year", *args, stdout=stdout, stderr=StringIO(), no_color=True)
    return stdout.getvalue()


# --- The service -------------------------------------------------------------------------------


def test_rollover_moves_years_1_to_5_up_and_graduates_year_6_today(cohort):
    assert state() == BEFORE

    result = rollover_year(academic_year=THIS)

    assert (result.academic_year, result.promoted, result.graduated, result.dry_run) == (
        THIS,
        5,
        1,
        False,
    )
    assert state() == after_rollover()
    assert list(YearRollover.objects.values_list("academic_year", "promoted", "graduated")) == [(THIS.label, 5, 1)]


def test_rollover_dry_run_counts_and_changes_nothing(cohort):
    result = rollover_year(academic_year=THIS, dry_run=True)

    assert (result.promoted, result.graduated, result.dry_run) == (5, 1, True)
    assert state() == BEFORE
    assert YearRollover.objects.count() == 0


def test_rollover_twice_for_the_same_academic_year_is_refused_and_changes_nothing(cohort):
    rollover_year(academic_year=THIS)

    with pytest.raises(RolloverAlreadyDone, match=rf"^{THIS.label}$"):
        rollover_year(academic_year=THIS)
    with pytest.raises(RolloverAlreadyDone, match=rf"^{THIS.label}$"):
        rollover_year(academic_year=THIS, dry_run=True)

    assert state() == after_rollover()
    assert YearRollover.objects.count() == 1


def test_rollover_of_the_next_academic_year_graduates_last_years_year_5(cohort):
    rollover_year(academic_year=THIS)
    YearRollover.objects.update(performed_at=timezone.now() - dt.timedelta(days=365))

    result = rollover_year(academic_year=NEXT)

    assert (result.promoted, result.graduated) == (4, 1)
    assert state()["year5@example.ac.uk"] == (6, False, timezone.localdate())
    assert state()["year1@example.ac.uk"] == (3, True, None)
    assert list(YearRollover.objects.values_list("academic_year", flat=True)) == [NEXT.label, THIS.label]


def test_rollover_without_an_academic_year_records_the_current_one(cohort):
    result = rollover_year()

    assert result.academic_year == AcademicYear.containing(timezone.localdate())
    assert list(YearRollover.objects.values_list("academic_year", flat=True)) == [result.academic_year.label]


# --- The command -------------------------------------------------------------------------------


def test_rollover_command_records_the_given_academic_year_and_prints_the_counts(cohort):
    stdout = run_rollover_command("--academic-year", THIS.label)

    assert stdout == f"Rollover for {THIS.label}: 5 member(s) moved up a year, 1 graduated.\n"
    assert state() == after_rollover()
    assert list(YearRollover.objects.values_list("academic_year", "promoted", "graduated")) == [(THIS.label, 5, 1)]


def test_rollover_command_dry_run_prints_the_counts_and_changes_nothing(cohort):
    stdout = run_rollover_command("--academic-year", THIS.label, "--dry-run")

    assert (
        stdout == f"Dry run for {THIS.label}: 5 member(s) would move up a year and 1 would graduate. Nothing changed.\n"
    )
    assert state() == BEFORE
    assert YearRollover.objects.count() == 0


def test_rollover_command_run_twice_for_the_same_year_fails_and_changes_nothing(cohort):
    run_rollover_command("--academic-year", THIS.label)

    with pytest.raises(CommandError, match=rf"^The rollover for {THIS.label} has already run; nothing changed\.$"):
        run_rollover_command("--academic-year", THIS.label)

    assert state() == after_rollover()
    assert YearRollover.objects.count() == 1


@pytest.mark.parametrize("label", ["2026-28", "26-27", "2026/27", "next year"])
def test_rollover_command_with_a_malformed_academic_year_fails_and_changes_nothing(cohort, label):
    with pytest.raises(CommandError) as failed:
        run_rollover_command("--academic-year", label)

    assert str(failed.value) == f"{label!r} is not an academic year like 2026-27."
    assert state() == BEFORE
    assert YearRollover.objects.count() == 0


def test_rollover_command_without_an_academic_year_uses_the_current_one(cohort):
    current = AcademicYear.containing(timezone.localdate())

    stdout = run_rollover_command()

    assert stdout == f"Rollover for {current.label}: 5 member(s) moved up a year, 1 graduated.\n"
    assert list(YearRollover.objects.values_list("academic_year", flat=True)) == [current.label]


# --- AcademicYear ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "start_year"),
    [
        (dt.date(2026, 7, 31), 2025),
        (dt.date(2026, 8, 1), 2026),
        (dt.date(2026, 12, 31), 2026),
        (dt.date(2027, 1, 1), 2026),
    ],
)
def test_academic_year_containing_turns_over_on_1_august(day, start_year):
    assert AcademicYear.containing(day) == AcademicYear(start_year)


def test_academic_year_start_follows_the_settings(settings):
    settings.ACADEMIC_YEAR_START_MONTH, settings.ACADEMIC_YEAR_START_DAY = 9, 15

    assert AcademicYear.containing(dt.date(2026, 9, 14)) == AcademicYear(2025)
    assert AcademicYear.containing(dt.date(2026, 9, 15)) == AcademicYear(2026)
    assert (AcademicYear(2026).starts_on, AcademicYear(2026).ends_on) == (dt.date(2026, 9, 15), dt.date(2027, 9, 14))


def test_academic_year_label_and_dates():
    year = AcademicYear(2026)

    assert (year.label, str(year)) == ("2026-27", "2026-27")
    assert (year.starts_on, year.ends_on) == (dt.date(2026, 8, 1), dt.date(2027, 7, 31))


def test_academic_year_label_across_a_century_is_1999_00():
    assert AcademicYear(1999).label == "1999-00"
    assert AcademicYear.parse("1999-00") == AcademicYear(1999)


@pytest.mark.parametrize("label", ["2026-27", " 2026-27 "])
def test_academic_year_parse_reads_a_label(label):
    assert AcademicYear.parse(label) == AcademicYear(2026)


@pytest.mark.parametrize("label", ["2026-28", "26-27", "2026-2027", "2026/27", "2026-7", ""])
def test_academic_year_parse_refuses_anything_else(label):
    with pytest.raises(ValueError) as refused:
        AcademicYear.parse(label)

    assert str(refused.value) == f"{label!r} is not an academic year like 2026-27."


def test_rollover_for_a_year_other_than_current_or_next_is_refused(cohort):
    before = state()
    with pytest.raises(
        RolloverRefused, match=rf"{FAR.label} is neither the current academic year \({THIS.label}\) nor the next"
    ):
        rollover_year(academic_year=FAR)
    assert state() == before
    assert YearRollover.objects.count() == 0


def test_rollover_soon_after_the_last_one_is_refused_as_a_probable_typo(cohort):
    rollover_year(academic_year=THIS)
    after_first = state()

    with pytest.raises(RolloverRefused, match=f"The rollover for {THIS.label} already ran on"):
        rollover_year(academic_year=NEXT)

    assert state() == after_first


def test_rollover_with_force_runs_despite_the_guards(cohort):
    rollover_year(academic_year=THIS)
    result = rollover_year(academic_year=NEXT, force=True)
    assert result.academic_year == NEXT
    assert YearRollover.objects.count() == 2


def test_rollover_command_explains_a_refusal_and_points_to_force(cohort):
    with pytest.raises(CommandError, match=r"nor the next one\. Nothing changed; use --force if you are sure\."):
        run_rollover_command("--academic-year", FAR.label)
