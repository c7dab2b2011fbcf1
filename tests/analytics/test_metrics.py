"""The committee's metrics document (`analytics.metrics.for_year`): its contract, each section's
definitions (the module docstring), the London-time boundaries of the year, the filters and a
query count that does not grow with the data.

Times are fixed London times in 2025-26 and the document is read at NOW, after that year ended, so
no test depends on today's date. Feedback and survey responses go through the submission service,
so they reach the figures only as it releases them, in batches of FEEDBACK_MIN_RESPONSES."""

import datetime as dt
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from analytics.metrics import Filters, for_year
from attendance.enums import AttendanceSource, AttendanceStatus, Mode, RegistrationState
from events.enums import SessionFormat, SessionStatus
from events.models import Session
from feedback import coding
from feedback.enums import QuestionKind
from feedback.models import Survey
from feedback.results import survey_results
from feedback.services import (
    choose_session_form,
    create_survey,
    release_survey,
    set_held_back,
    submit_response,
)
from members.academic_year import AcademicYear
from teachers.models import TeacherApplication
from teachers.services import add_to_roster, apply_to_teach, approve_application, decline_application
from tests.analytics.factories import counted_session
from tests.events.factories import SeriesFactory
from tests.factories import MemberFactory
from tests.feedback.coding_data import codes, empty_codebook
from tests.feedback.factories import answers_for, attend, make_form, session_form, survey_form
from tests.feedback.test_results import by_metric

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo(settings.TIME_ZONE)
YEAR = AcademicYear.parse("2025-26")
KEYS = [
    "academic_year",
    "period",
    "participants",
    "attendance",
    "format",
    "teaching",
    "feedback",
    "survey",
    "themes",
    "interviews",
]
NO_RATE = {"registered": 0, "attended": 0, "rate_pct": None}
NO_FORMAT = {"online": 0, "in_person": 0, "online_pct": None}


def at(year: int, month: int, day: int, hour: int = 18, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON)


NOW = at(2026, 9, 1, 12)  # every session of 2025-26 has ended


@pytest.fixture(autouse=True)
def _five(settings):
    settings.FEEDBACK_MIN_RESPONSES = 5


def metrics(filters: Filters | None = None, *, year: AcademicYear = YEAR, now: dt.datetime = NOW) -> dict:
    return for_year(year, filters=filters or Filters(), now=now)


def teach(of, teacher):
    """Put `teacher` on the roster as the roster service does, recording their year now."""
    return add_to_roster(session=of, teacher=teacher)


def by_year(doc: dict) -> dict:
    """Participants per year of study, and `unknown`, leaving out the empty ones."""
    people = doc["participants"]
    counted = {year: figures["n"] for year, figures in people["years"].items() if figures["n"]}
    return counted | ({"unknown": people["unknown"]["n"]} if people["unknown"]["n"] else {})


def taught(doc: dict) -> tuple[int, float]:
    return doc["teaching"]["sessions"], doc["teaching"]["hours"]


def give_feedback(of, answers: list[dict], *, form=None) -> None:
    """One response per item of `answers` (overrides by metric key), each from a new member
    marked present, through the submission service the day the session ends."""
    form = form or session_form()
    for overrides in answers:
        attendee = MemberFactory()
        attend(of, attendee)
        submit_response(
            member=attendee,
            session=of,
            answers=answers_for(form, **overrides),
            now=of.ends_at + dt.timedelta(hours=1),
        )


def society_survey(opens_at: dt.datetime, *, title: str = "Annual society survey"):
    return create_survey(
        form=survey_form(), title=title, opens_at=opens_at, closes_at=opens_at + dt.timedelta(days=14), by=None
    )


def answer_survey(survey, years: list[int], *, more_to_come: bool = False, **overrides) -> None:
    """One response per year listed, each from a new member of that year, the day it opens; then,
    unless `more_to_come`, the survey's close releases them all, as beat does."""
    for year in years:
        submit_response(
            member=MemberFactory(year_of_study=year),
            survey=survey,
            answers=answers_for(survey.form, **overrides),
            now=survey.opens_at + dt.timedelta(hours=1),
        )
    if not more_to_come:
        release_survey(survey, now=survey.closes_at)


def approved_application(motivations: list[str], *, applied_at: dt.datetime, by) -> TeacherApplication:
    application = apply_to_teach(member=MemberFactory(), subjects="Renal", motivations=motivations)
    approve_application(application=application, by=by)
    # Applying stamps the clock's time; move it into the year under test.
    TeacherApplication.objects.filter(pk=application.pk).update(created_at=applied_at)
    return application


def comments_of(of: Session | Survey) -> dict:
    """The released comments on a session or a survey, by their text, ready to code."""
    scope = {"response__survey": of} if isinstance(of, Survey) else {"response__session": of}
    return {answer.text: answer for answer in coding.comments().filter(**scope)}


def not_plain_json(value, path: str = "") -> list[str]:
    """Where the document holds something other than the types JSON has (a Decimal, a tuple, a
    date, an enum member or a lazy string), as paths; [] when it holds none."""
    if type(value) is dict:
        return [
            found
            for key, item in value.items()
            for found in ([f"{path}/{key!r} (key)"] if type(key) is not str else [])
            + not_plain_json(item, f"{path}/{key}")
        ]
    if type(value) is list:
        return [found for index, item in enumerate(value) for found in not_plain_json(item, f"{path}/{index}")]
    return [] if type(value) in (str, int, float, bool, type(None)) else [f"{path}: {type(value).__name__}"]


# --- The contract --------------------------------------------------------------------------------


def test_document_has_exactly_the_agreed_top_level_keys():
    assert list(metrics()) == KEYS


def test_period_of_2025_26_runs_from_1_august_to_31_july():
    doc = metrics()
    assert (doc["academic_year"], doc["period"]) == (
        "2025-26",
        {"start": "2025-08-01", "end": "2026-07-31", "filters": {}},
    )


def test_empty_year_gives_zeros_no_rates_and_no_survey():
    # Data in the year before, which must not leak into 2025-26.
    earlier = counted_session(at(2025, 3, 5))
    attend(earlier, MemberFactory(year_of_study=1))
    society_survey(at(2025, 3, 1))
    nobody = {"n": 0, "pct": None}
    assert metrics() == {
        "academic_year": "2025-26",
        "period": {"start": "2025-08-01", "end": "2026-07-31", "filters": {}},
        "participants": {
            "total": 0,
            "bands": {"years_1_2": nobody, "years_3_6": nobody},
            "years": {str(year): nobody for year in range(1, 7)},
            "unknown": nobody,
        },
        "attendance": {
            "overall": NO_RATE,
            "bands": {"years_1_2": NO_RATE, "years_3_6": NO_RATE},
            "years": {str(year): NO_RATE for year in range(1, 7)},
            "unknown": NO_RATE,
            "months": {},
            "sessions_counted": 0,
            "sessions_without_register": 0,
        },
        "format": {"overall": NO_FORMAT, "bands": {"years_1_2": NO_FORMAT, "years_3_6": NO_FORMAT}},
        "teaching": {"teachers": 0, "sessions": 0, "hours": 0.0, "motivations": {}},
        "feedback": {"responses": 0, "minimum": 5, "metrics": {}},
        "survey": None,
        "themes": [
            {
                "key": "academic-value",
                "name": "Academic value",
                "comments": 0,
                "quotes": [],
                "excerpts": 0,
                "interviewees": 0,
            },
            {
                "key": "career-prospects",
                "name": "Career prospects",
                "comments": 0,
                "quotes": [],
                "excerpts": 0,
                "interviewees": 0,
            },
            {
                "key": "sense-of-community-and-wellbeing",
                "name": "Sense of community and wellbeing",
                "comments": 0,
                "quotes": [],
                "excerpts": 0,
                "interviewees": 0,
            },
        ],
        "interviews": {"total": 0, "attendee": 0, "teacher": 0, "both": 0},
    }


def busy_year(sessions: int) -> None:
    """`sessions` sessions, each with a teacher, a walk-in, an absentee and five responses (one
    comment coded), a survey with five released responses (one comment coded), and an
    approved application: every section of the document has something to count."""
    coder = MemberFactory(roles=["committee"])
    (theme_code,) = codes(Academic=["Exam preparation"]).values()
    for number in range(sessions):
        held = counted_session(at(2025, 10, 7) + dt.timedelta(weeks=number), format=SessionFormat.HYBRID)
        teach(held, MemberFactory(year_of_study=5, roles=["teacher"]))
        attend(held, MemberFactory(year_of_study=2), walk_in=True, mode=Mode.ONLINE, attended_mode=Mode.ONLINE)
        attend(held, MemberFactory(year_of_study=4), attendance=AttendanceStatus.ABSENT)
        give_feedback(held, [{"went_well": f"Session {number}, comment {n}", "improve": ""} for n in range(5)])
        coding.save_coding(answer=comments_of(held)[f"Session {number}, comment 0"], coder=coder, codes=[theme_code])
    survey = society_survey(at(2026, 2, 2))
    answer_survey(survey, [1, 2, 3, 4, 5], text="Friends")
    coding.save_coding(answer=next(iter(comments_of(survey).values())), coder=coder, codes=[theme_code])
    approved_application(["career", "enjoyment"], applied_at=at(2025, 9, 9), by=coder)


def test_document_holds_plain_json_types_and_round_trips_unchanged():
    empty_codebook()
    busy_year(2)
    doc = metrics()
    assert not_plain_json(doc) == []
    assert json.loads(json.dumps(doc)) == doc


@pytest.mark.parametrize("sessions", [1, 4])
def test_document_takes_twelve_queries_with_a_survey_whatever_the_data(django_assert_num_queries, sessions):
    empty_codebook()
    busy_year(sessions)
    with django_assert_num_queries(12):  # six grouped queries, the survey itself, survey_results' five
        doc = metrics()
    assert (doc["teaching"]["sessions"], doc["feedback"]["responses"], doc["survey"]["respondents"]["total"]) == (
        sessions,
        5 * sessions,
        5,
    )


@pytest.mark.parametrize("sessions", [1, 4])
def test_document_takes_seven_queries_without_a_survey_whatever_the_data(django_assert_num_queries, sessions):
    for number in range(sessions):
        held = counted_session(at(2025, 10, 7) + dt.timedelta(weeks=number))
        teach(held, MemberFactory(year_of_study=5, roles=["teacher"]))
        give_feedback(held, [{}] * 5)
    with django_assert_num_queries(7):  # six grouped queries, and one finding no survey
        doc = metrics()
    assert (doc["teaching"]["sessions"], doc["feedback"]["responses"], doc["survey"]) == (sessions, 5 * sessions, None)


# --- The year's boundaries, in London time -------------------------------------------------------


def test_session_starting_at_2330_london_on_31_july_belongs_to_the_year_ending():
    late = counted_session(at(2026, 7, 31, 23, 30))
    assert late.starts_at.astimezone(dt.UTC) == dt.datetime(2026, 7, 31, 22, 30, tzinfo=dt.UTC)  # BST
    assert taught(metrics()) == (1, 1.0)
    assert taught(metrics(year=AcademicYear.parse("2026-27"))) == (0, 0.0)


def test_session_starting_at_0030_london_on_1_august_belongs_to_the_next_year():
    early = counted_session(at(2026, 8, 1, 0, 30))
    # Still 31 July in UTC: the year is cut in London time.
    assert early.starts_at.astimezone(dt.UTC) == dt.datetime(2026, 7, 31, 23, 30, tzinfo=dt.UTC)
    assert taught(metrics()) == (0, 0.0)
    assert taught(metrics(year=AcademicYear.parse("2026-27"))) == (1, 1.0)


# --- Participants --------------------------------------------------------------------------------


def test_participants_count_registered_places_not_waitlisted_or_cancelled_ones():
    held = counted_session()
    attend(held, MemberFactory(year_of_study=1))
    attend(held, MemberFactory(year_of_study=2), state=RegistrationState.WAITLISTED, attendance="")
    attend(held, MemberFactory(year_of_study=4), state=RegistrationState.CANCELLED, attendance="")
    doc = metrics()
    assert (doc["participants"]["total"], by_year(doc)) == (1, {"1": 1})


def test_participants_include_teachers_on_the_roster_of_sessions_not_cancelled():
    teach(
        counted_session(status=SessionStatus.DRAFT, register_taken=False),
        MemberFactory(year_of_study=5, roles=["teacher"]),
    )
    teach(counted_session(status=SessionStatus.PUBLISHED), MemberFactory(year_of_study=6, roles=["teacher"]))
    doc = metrics()
    assert (doc["participants"]["total"], by_year(doc)) == (2, {"5": 1, "6": 1})


def test_participants_leave_out_registrations_and_roster_of_cancelled_sessions():
    cancelled = counted_session(status=SessionStatus.CANCELLED, register_taken=False)
    attend(cancelled, MemberFactory(year_of_study=1), attendance="")
    teach(cancelled, MemberFactory(year_of_study=5, roles=["teacher"]))
    doc = metrics()
    assert (doc["participants"]["total"], by_year(doc), doc["teaching"]["teachers"]) == (0, {}, 0)


def test_a_member_registered_for_several_sessions_is_one_participant():
    regular = MemberFactory(year_of_study=3)
    for day in (5, 12, 19):
        attend(counted_session(at(2025, 11, day)), regular)
    doc = metrics()
    assert (doc["participants"]["total"], by_year(doc)) == (1, {"3": 1})


def test_a_teacher_who_also_attends_is_one_participant():
    teacher = MemberFactory(year_of_study=5, roles=["teacher"])
    teach(counted_session(at(2025, 11, 5)), teacher)
    attend(counted_session(at(2025, 11, 12)), teacher)
    doc = metrics()
    assert (doc["participants"]["total"], by_year(doc), doc["teaching"]["teachers"]) == (1, {"5": 1}, 1)


def test_participant_is_counted_in_the_highest_year_recorded_in_the_period():
    someone = MemberFactory(year_of_study=1, roles=["teacher"])
    attend(counted_session(at(2025, 9, 5)), someone)
    someone.year_of_study = 2
    someone.save(update_fields=["year_of_study"])
    teach(counted_session(at(2026, 6, 5)), someone)  # the roster records year 2
    attend(counted_session(at(2026, 9, 5)), someone, year_of_study=3)  # 2026-27: not this period's
    assert by_year(metrics()) == {"2": 1}


def test_participant_years_follow_each_years_records_not_the_profile_after_rollover():
    # Year 2 in 2024-25, year 3 in 2025-26, and year 4 on the profile now.
    someone = MemberFactory(year_of_study=4)
    attend(counted_session(at(2025, 2, 5)), someone, year_of_study=2)
    attend(counted_session(at(2025, 11, 5)), someone, year_of_study=3)
    assert by_year(metrics(year=AcademicYear.parse("2024-25"))) == {"2": 1}
    assert by_year(metrics()) == {"3": 1}


def test_teacher_is_counted_in_the_year_recorded_when_joining_the_roster():
    teacher = MemberFactory(year_of_study=5, roles=["teacher"])
    teach(counted_session(), teacher)
    teacher.year_of_study = 6  # the rollover
    teacher.save(update_fields=["year_of_study"])
    assert by_year(metrics()) == {"5": 1}


def test_participants_without_a_recorded_year_are_unknown_and_left_out_of_year_shares():
    held = counted_session()
    attend(held, MemberFactory(year_of_study=1))
    attend(held, MemberFactory(year_of_study=None))
    people = metrics()["participants"]
    assert (people["total"], people["unknown"], people["years"]["1"], people["bands"]["years_1_2"]) == (
        2,
        {"n": 1, "pct": 50.0},
        {"n": 1, "pct": 100.0},
        {"n": 1, "pct": 100.0},
    )


def test_band_shares_are_of_the_two_bands_rounded_half_up():
    held = counted_session()
    for year in [1] + [3] * 5 + [4] * 10:
        attend(held, MemberFactory(year_of_study=year))
    people = metrics()["participants"]
    # 1/16 = 6.25 % and 5/16 = 31.25 %: half up gives 6.3 and 31.3 (round() would give 6.2 and 31.2).
    assert people["bands"] == {"years_1_2": {"n": 1, "pct": 6.3}, "years_3_6": {"n": 15, "pct": 93.8}}
    assert [(year, figures["pct"]) for year, figures in people["years"].items()] == [
        ("1", 6.3),
        ("2", 0.0),
        ("3", 31.3),
        ("4", 62.5),
        ("5", 0.0),
        ("6", 0.0),
    ]


def test_year_shares_are_rounded_to_one_decimal():
    held = counted_session()
    for year in [1, 3, 3, 3, 3, 3]:
        attend(held, MemberFactory(year_of_study=year))
    people = metrics()["participants"]
    assert (people["years"]["1"], people["years"]["3"]) == ({"n": 1, "pct": 16.7}, {"n": 5, "pct": 83.3})


# --- Attendance ----------------------------------------------------------------------------------


def test_attendance_counts_present_and_late_as_attended_and_absent_or_unmarked_as_not():
    held = counted_session()
    attend(held, MemberFactory(), attendance=AttendanceStatus.PRESENT)
    attend(held, MemberFactory(), attendance=AttendanceStatus.LATE)
    attend(held, MemberFactory(), attendance=AttendanceStatus.ABSENT)
    attend(held, MemberFactory(), attendance="")  # the register was taken without marking them
    assert metrics()["attendance"]["overall"] == {"registered": 4, "attended": 2, "rate_pct": 50.0}


def test_attendance_leaves_out_excused_registrations():
    held = counted_session()
    attend(held, MemberFactory(), attendance=AttendanceStatus.PRESENT)
    attend(held, MemberFactory(), attendance=AttendanceStatus.ABSENT)
    attend(held, MemberFactory(), attendance=AttendanceStatus.EXCUSED)
    assert metrics()["attendance"]["overall"] == {"registered": 2, "attended": 1, "rate_pct": 50.0}


def test_attendance_counts_walk_ins():
    held = counted_session()
    attend(held, MemberFactory(), walk_in=True)
    attend(held, MemberFactory(), attendance=AttendanceStatus.ABSENT)
    assert metrics()["attendance"]["overall"] == {"registered": 2, "attended": 1, "rate_pct": 50.0}


def test_attendance_leaves_out_waitlisted_and_cancelled_registrations():
    held = counted_session()
    attend(held, MemberFactory(), attendance=AttendanceStatus.ABSENT)
    attend(held, MemberFactory(), state=RegistrationState.WAITLISTED, attendance="")
    attend(held, MemberFactory(), state=RegistrationState.CANCELLED, attendance="")
    assert metrics()["attendance"]["overall"] == {"registered": 1, "attended": 0, "rate_pct": 0.0}


def test_member_on_the_sessions_own_roster_is_not_its_attendee():
    teacher = MemberFactory(year_of_study=5, roles=["teacher"])
    own = counted_session(at(2025, 11, 5))
    teach(own, teacher)
    attend(own, teacher)
    attend(own, MemberFactory(), attendance=AttendanceStatus.ABSENT)
    attend(counted_session(at(2025, 11, 12)), teacher)  # a session they only attend counts
    assert metrics()["attendance"]["overall"] == {"registered": 2, "attended": 1, "rate_pct": 50.0}


def test_ended_session_without_a_register_is_counted_but_its_registrations_are_not():
    attend(counted_session(at(2025, 11, 5)), MemberFactory(), attendance=AttendanceStatus.ABSENT)
    attend(counted_session(at(2025, 11, 12), register_taken=False), MemberFactory())
    attendance = metrics()["attendance"]
    assert (attendance["overall"], attendance["sessions_counted"], attendance["sessions_without_register"]) == (
        {"registered": 1, "attended": 0, "rate_pct": 0.0},
        1,
        1,
    )


def test_imported_attendance_counts_a_session_without_a_register():
    imported = counted_session(register_taken=False)
    attend(imported, MemberFactory(), attendance_source=AttendanceSource.IMPORT)
    attend(imported, MemberFactory(), attendance=AttendanceStatus.ABSENT, attendance_source=AttendanceSource.IMPORT)
    attendance = metrics()["attendance"]
    assert (attendance["overall"], attendance["sessions_counted"], attendance["sessions_without_register"]) == (
        {"registered": 2, "attended": 1, "rate_pct": 50.0},
        1,
        0,
    )


def test_attendance_counts_published_sessions_that_have_ended():
    attend(counted_session(status=SessionStatus.PUBLISHED), MemberFactory())
    attendance = metrics()["attendance"]
    assert (attendance["overall"], attendance["sessions_counted"]) == (
        {"registered": 1, "attended": 1, "rate_pct": 100.0},
        1,
    )


@pytest.mark.parametrize("status", [SessionStatus.DRAFT, SessionStatus.SUBMITTED, SessionStatus.CANCELLED])
def test_attendance_leaves_out_sessions_not_held(status):
    attend(counted_session(status=status), MemberFactory())
    attend(counted_session(at(2025, 11, 12), status=status, register_taken=False), MemberFactory())
    attendance = metrics()["attendance"]
    assert (attendance["overall"], attendance["sessions_counted"], attendance["sessions_without_register"]) == (
        NO_RATE,
        0,
        0,
    )


def test_attendance_leaves_out_sessions_that_have_not_ended():
    running = counted_session(at(2026, 3, 4, 11, 30))  # until 12:30
    attend(running, MemberFactory())
    counted_session(at(2026, 3, 4, 11, 45), register_taken=False)
    attendance = metrics(now=at(2026, 3, 4, 12))["attendance"]
    assert (attendance["overall"], attendance["sessions_counted"], attendance["sessions_without_register"]) == (
        NO_RATE,
        0,
        0,
    )


def test_attendance_is_by_the_year_recorded_on_the_registration():
    held = counted_session()
    attend(held, MemberFactory(year_of_study=4), year_of_study=2)  # registered in year 2, year 4 on the profile now
    attend(held, MemberFactory(year_of_study=5), attendance=AttendanceStatus.ABSENT)
    attend(held, MemberFactory(year_of_study=6), attendance=AttendanceStatus.LATE)
    attendance = metrics()["attendance"]
    assert attendance["years"] == {
        "1": NO_RATE,
        "2": {"registered": 1, "attended": 1, "rate_pct": 100.0},
        "3": NO_RATE,
        "4": NO_RATE,
        "5": {"registered": 1, "attended": 0, "rate_pct": 0.0},
        "6": {"registered": 1, "attended": 1, "rate_pct": 100.0},
    }
    assert attendance["bands"] == {
        "years_1_2": {"registered": 1, "attended": 1, "rate_pct": 100.0},
        "years_3_6": {"registered": 2, "attended": 1, "rate_pct": 50.0},
    }


def test_attendance_without_a_recorded_year_is_unknown():
    held = counted_session()
    attend(held, MemberFactory(year_of_study=None))
    attend(held, MemberFactory(year_of_study=1), attendance=AttendanceStatus.ABSENT)
    attendance = metrics()["attendance"]
    assert (attendance["unknown"], attendance["bands"]["years_1_2"], attendance["overall"]) == (
        {"registered": 1, "attended": 1, "rate_pct": 100.0},
        {"registered": 1, "attended": 0, "rate_pct": 0.0},
        {"registered": 2, "attended": 1, "rate_pct": 50.0},
    )


def test_attendance_months_are_london_months_in_order():
    attend(counted_session(at(2026, 5, 1, 0, 30)), MemberFactory())  # 30 April 23:30 in UTC
    attend(counted_session(at(2025, 10, 14)), MemberFactory(), attendance=AttendanceStatus.ABSENT)
    attend(counted_session(at(2025, 10, 28)), MemberFactory())
    months = metrics()["attendance"]["months"]
    assert list(months.items()) == [
        ("2025-10", {"registered": 2, "attended": 1, "rate_pct": 50.0}),
        ("2026-05", {"registered": 1, "attended": 1, "rate_pct": 100.0}),
    ]


# --- Format --------------------------------------------------------------------------------------


def test_format_counts_attended_registrations_by_the_mode_attended():
    hybrid = counted_session(format=SessionFormat.HYBRID)
    for _ in range(3):
        attend(hybrid, MemberFactory(), mode=Mode.ONLINE, attended_mode=Mode.ONLINE)
    attend(hybrid, MemberFactory(), mode=Mode.ONLINE, attended_mode=Mode.IN_PERSON)  # came in after all
    attend(hybrid, MemberFactory(), mode=Mode.ONLINE, attendance=AttendanceStatus.ABSENT)
    assert metrics()["format"]["overall"] == {"online": 3, "in_person": 1, "online_pct": 75.0}


def test_format_falls_back_to_the_registered_mode_where_the_attended_mode_was_not_recorded():
    hybrid = counted_session(format=SessionFormat.HYBRID)
    attend(hybrid, MemberFactory(), mode=Mode.ONLINE, attended_mode="")
    attend(hybrid, MemberFactory(), mode=Mode.IN_PERSON, attended_mode="")
    assert metrics()["format"]["overall"] == {"online": 1, "in_person": 1, "online_pct": 50.0}


def test_format_by_band_follows_the_year_on_the_registration():
    hybrid = counted_session(format=SessionFormat.HYBRID)
    attend(hybrid, MemberFactory(year_of_study=1), mode=Mode.ONLINE, attended_mode=Mode.ONLINE)
    attend(hybrid, MemberFactory(year_of_study=2), mode=Mode.ONLINE, attended_mode=Mode.ONLINE)
    attend(hybrid, MemberFactory(year_of_study=2))
    attend(hybrid, MemberFactory(year_of_study=5))
    assert metrics()["format"]["bands"] == {
        "years_1_2": {"online": 2, "in_person": 1, "online_pct": 66.7},
        "years_3_6": {"online": 0, "in_person": 1, "online_pct": 0.0},
    }


# --- Teaching ------------------------------------------------------------------------------------


def test_teachers_are_distinct_members_on_rosters_of_sessions_not_cancelled():
    first, second, only_cancelled = (MemberFactory(year_of_study=5, roles=["teacher"]) for _ in range(3))
    one, two = counted_session(at(2025, 11, 5)), counted_session(at(2025, 11, 12))
    teach(one, first)
    teach(two, first)
    teach(two, second)
    teach(counted_session(status=SessionStatus.CANCELLED, register_taken=False), only_cancelled)
    assert metrics()["teaching"]["teachers"] == 2


def test_teaching_counts_completed_sessions_and_their_hours():
    counted_session(at(2025, 11, 5), hours=1.5)
    counted_session(at(2025, 11, 12), hours=2)
    counted_session(at(2025, 11, 19), hours=1, status=SessionStatus.PUBLISHED)
    counted_session(at(2025, 11, 26), hours=3, status=SessionStatus.CANCELLED, register_taken=False)
    assert taught(metrics()) == (2, 3.5)


def test_motivations_count_approved_applications_made_in_the_year_most_first():
    committee = MemberFactory(roles=["committee"])
    approved_application(["career", "enjoyment"], applied_at=at(2025, 9, 1), by=committee)
    approved_application(["career"], applied_at=at(2026, 7, 31, 23, 30), by=committee)
    approved_application(["helping_others"], applied_at=at(2025, 7, 31, 23, 30), by=committee)  # 2024-25
    apply_to_teach(member=MemberFactory(), subjects="Cardiology", motivations=["community"])  # pending
    declined = apply_to_teach(member=MemberFactory(), subjects="Anatomy", motivations=["transferable_skills"])
    decline_application(application=declined, by=committee, reason="Apply again in year 3")
    TeacherApplication.objects.exclude(status="approved").update(created_at=at(2025, 10, 1))
    assert list(metrics()["teaching"]["motivations"].items()) == [("career", 2), ("enjoyment", 1)]


# --- Feedback ------------------------------------------------------------------------------------


def test_feedback_counts_responses_once_released():
    give_feedback(counted_session(), [{}] * 7)  # five released together, two waiting for three more
    assert metrics()["feedback"]["responses"] == 5


def test_feedback_metrics_read_released_responses_only():
    held = counted_session()
    give_feedback(held, [{"overall": 4}] * 5)
    give_feedback(held, [{"overall": 1}] * 4)  # pending until a fifth comes
    assert metrics()["feedback"]["metrics"]["overall"] == {"n": 5, "mean": 4.0, "agree_pct": 100.0}


def test_feedback_leaves_out_responses_to_sessions_outside_the_period():
    give_feedback(counted_session(at(2025, 7, 1)), [{}] * 5)
    give_feedback(counted_session(at(2026, 8, 3)), [{}] * 5)
    assert metrics()["feedback"] == {"responses": 0, "minimum": 5, "metrics": {}}


def test_feedback_metric_at_the_minimum_gives_n_mean_and_agreement():
    give_feedback(counted_session(), [{"overall": rating} for rating in (5, 5, 4, 3, 1)])
    fours = {"n": 5, "mean": 4.0, "agree_pct": 100.0}
    # Every other scale question was answered 4 (answers_for's default).
    assert metrics()["feedback"]["metrics"] == {
        "overall": {"n": 5, "mean": 3.6, "agree_pct": 60.0},
        "teaching_quality": fours,
        "knowledge": fours,
        "confidence_before": fours,
        "confidence_after": fours,
        "motivation": fours,
        "community": fours,
    }


def short_form():
    """A session form whose confidence question is optional, so fewer than all may answer it."""
    return make_form(
        (QuestionKind.RATING, "Overall, how was it?", "overall", True, []),
        (QuestionKind.LIKERT, "I feel more confident.", "confidence", False, []),
        family="short-feedback",
    )


def with_form(of, form):
    choose_session_form(session=of, form=form, by=MemberFactory(roles=["committee"]))
    return of


def test_feedback_metric_below_the_minimum_gives_only_its_n():
    form = short_form()
    answers = [{"confidence": 5}, {"confidence": 4}, {"confidence": 4}, {"confidence": ""}, {"confidence": ""}]
    give_feedback(with_form(counted_session(), form), answers, form=form)
    assert metrics()["feedback"]["metrics"] == {
        "overall": {"n": 5, "mean": 4.0, "agree_pct": 100.0},
        "confidence": {"n": 3, "suppressed": True},
    }


def test_feedback_mean_is_rounded_half_up_to_two_decimals():
    form = short_form()
    first = with_form(counted_session(at(2025, 11, 5)), form)
    second = with_form(counted_session(at(2025, 11, 12)), form)
    # Ten responses each (two released batches), eight of them answering the optional question.
    answers = [{"confidence": c} for c in (5, 5, 4, 4, 4, 3, 2, 2, "", "")]
    give_feedback(first, answers, form=form)
    give_feedback(second, answers, form=form)
    # 58 / 16 = 3.625: half up gives 3.63. Ten of sixteen answered 4 or 5.
    assert metrics()["feedback"]["metrics"]["confidence"] == {"n": 16, "mean": 3.63, "agree_pct": 62.5}


def test_feedback_counts_a_sessions_answers_only_where_its_own_results_show_them():
    form = short_form()
    shown = with_form(counted_session(at(2025, 11, 5)), form)
    small = with_form(counted_session(at(2025, 11, 12)), form)
    give_feedback(shown, [{"confidence": 4}] * 5, form=form)
    # Five responses, three answering the optional question: too few for that session's page.
    give_feedback(small, [{"confidence": 1}] * 3 + [{"confidence": ""}] * 2, form=form)
    confidence = metrics()["feedback"]["metrics"]["confidence"]
    assert confidence == {"n": 5, "mean": 4.0, "agree_pct": 100.0}
    # Narrowed to the small session alone, only how many answered may be shown.
    only_small = metrics(Filters(starts_on=dt.date(2025, 11, 10)))["feedback"]["metrics"]["confidence"]
    assert only_small == {"n": 3, "suppressed": True}


# --- The survey ----------------------------------------------------------------------------------


def test_survey_is_null_when_none_opened_in_the_year():
    answer_survey(society_survey(at(2025, 7, 31, 23, 30)), [1, 2, 3, 4, 5])
    answer_survey(society_survey(at(2026, 8, 1, 0, 30)), [1, 2, 3, 4, 5])
    assert metrics()["survey"] is None


def test_survey_is_the_latest_to_open_in_the_year():
    society_survey(at(2025, 10, 6), title="Autumn survey")
    # 00:30 in London on 1 June is still 31 May in UTC: its dates are London dates.
    summer = society_survey(at(2026, 6, 1, 0, 30), title="Summer survey")
    society_survey(at(2026, 3, 2), title="Spring survey")
    society_survey(at(2026, 9, 7), title="Next year's survey")
    survey = metrics()["survey"]
    assert (survey["id"], survey["title"], survey["opens_on"], survey["closes_on"]) == (
        summer.pk,
        "Summer survey",
        "2026-06-01",
        "2026-06-15",
    )


def test_a_later_survey_on_another_form_is_not_the_years_survey():
    annual = society_survey(at(2026, 2, 2), title="Annual society survey")
    answer_survey(annual, [1, 2, 3, 4, 5])
    pulse_form = make_form(
        (QuestionKind.RATING, "How useful were this term's sessions?", "", True, []),
        family="end-of-term-check-in",
        purpose="survey",
    )
    pulse = create_survey(
        form=pulse_form,
        title="End-of-term check-in",
        opens_at=at(2026, 3, 2),
        closes_at=at(2026, 3, 16),
        by=None,
    )
    answer_survey(pulse, [1, 2, 3, 4, 5, 6])
    assert metrics()["survey"]["title"] == "Annual society survey"


def test_survey_respondents_by_band_count_every_response_once_it_closes():
    survey = society_survey(at(2026, 2, 2))
    answer_survey(survey, [1, 1, 2, 2, 2, 2, 3, 4, 6, 6, 5, 5])  # twelve: not a multiple of five
    assert metrics()["survey"]["respondents"] == {
        "total": 12,
        "bands": {"years_1_2": {"n": 6, "pct": 50.0}, "years_3_6": {"n": 6, "pct": 50.0}},
        "unknown": {"n": 0},
    }


def test_an_open_survey_is_not_the_years_survey_until_it_closes():
    closed = society_survey(at(2026, 2, 2), title="Spring survey")
    answer_survey(closed, [1, 2, 3, 4, 5])
    still_open = society_survey(at(2026, 7, 20), title="Summer survey")  # closes on 3 August
    while_open = at(2026, 7, 25)
    for year in (1, 2, 3, 4, 5, 6):
        submit_response(
            member=MemberFactory(year_of_study=year),
            survey=still_open,
            answers=answers_for(still_open.form),
            now=while_open,
        )
    assert metrics(now=while_open)["survey"]["title"] == "Spring survey"
    release_survey(still_open, now=while_open)  # refused: it has not closed
    closed_not_released = for_year(YEAR, filters=Filters(), now=still_open.closes_at)["survey"]
    assert closed_not_released["respondents"]["total"] == 0  # until beat releases it
    release_survey(still_open, now=still_open.closes_at)
    survey = metrics(now=still_open.closes_at)["survey"]
    assert (survey["title"], survey["respondents"]["total"]) == ("Summer survey", 6)


def test_survey_below_the_minimum_shows_no_figures():
    survey = society_survey(at(2026, 2, 2))
    answer_survey(survey, [1, 2, 3, 4])
    doc = metrics()["survey"]
    assert (doc["is_shown"], doc["respondents"]["total"], doc["lecture_attendance"], doc["benefits"]) == (
        False,
        4,
        None,
        {},
    )


def test_lecture_attendance_counts_always_and_mostly_as_regular():
    survey = society_survey(at(2026, 2, 2))
    answer_survey(survey, [1, 2], lecture_attendance="always", more_to_come=True)
    answer_survey(survey, [1], lecture_attendance="mostly", more_to_come=True)
    answer_survey(survey, [2, 2], lecture_attendance="rarely", more_to_come=True)
    answer_survey(survey, [3], lecture_attendance="always", more_to_come=True)
    answer_survey(survey, [4, 5, 6, 6], lecture_attendance="sometimes")
    assert metrics()["survey"]["lecture_attendance"] == {
        "overall": {"n": 10, "regular": 4, "pct": 40.0},
        "bands": {
            "years_1_2": {"n": 5, "regular": 3, "pct": 60.0},
            "years_3_6": {"n": 5, "regular": 1, "pct": 20.0},
        },
    }


def test_survey_bands_are_hidden_when_a_band_is_below_the_minimum_as_on_the_results_page():
    survey = society_survey(at(2026, 2, 2))
    answer_survey(
        survey, [1, 1, 2, 2, 2, 2], lecture_attendance="always", format_preference="online", more_to_come=True
    )
    answer_survey(survey, [3, 4, 5, 6], lecture_attendance="never", format_preference="in_person")
    doc = metrics()["survey"]
    # Overall minus years 1–2 would give the four in years 3–6: neither band is shown.
    assert doc["lecture_attendance"] == {
        "overall": {"n": 10, "regular": 6, "pct": 60.0},
        "bands": {"years_1_2": {"n": 6, "suppressed": True}, "years_3_6": {"n": 4, "suppressed": True}},
    }
    results = survey_results(survey=survey)
    for key in ("lecture_attendance", "format_preference"):
        question = by_metric(results, key)
        assert not question.is_broken_down
        assert [(f.n, f.is_shown) for _label, f in question.bands] == [
            (band["n"], "suppressed" not in band) for band in doc[key]["bands"].values()
        ]


def test_survey_figures_agree_with_the_survey_results_page():
    survey = society_survey(at(2026, 2, 2))
    answer_survey(
        survey, [1, 2, 1, 2, 1], format_preference="online", knowledge=5, society_role="attendee", more_to_come=True
    )
    answer_survey(survey, [3, 4], format_preference="online", knowledge=2, society_role="both", more_to_come=True)
    answer_survey(survey, [5, 6, 6], format_preference="in_person", knowledge=4, society_role="teacher")
    doc = metrics()["survey"]
    results = survey_results(survey=survey)
    preference, knowledge = by_metric(results, "format_preference"), by_metric(results, "knowledge")
    assert preference.is_broken_down
    early, later = (figures for _label, figures in preference.bands)
    assert doc["format_preference"] == {
        "overall": {"n": 10, "online": {"n": 7, "pct": 70.0}, "in_person": {"n": 3, "pct": 30.0}},
        "bands": {
            "years_1_2": {"n": 5, "online": {"n": 5, "pct": 100.0}, "in_person": {"n": 0, "pct": 0.0}},
            "years_3_6": {"n": 5, "online": {"n": 2, "pct": 40.0}, "in_person": {"n": 3, "pct": 60.0}},
        },
    }
    assert [(bar.value, bar.count, float(bar.pct)) for bar in (*early.bars, *later.bars)] == [
        ("online", 5, 100.0),
        ("in_person", 0, 0.0),
        ("online", 2, 40.0),
        ("in_person", 3, 60.0),
    ]
    assert knowledge.figures.agree_pct == Decimal("80.0")
    assert doc["benefits"]["knowledge"] == {"n": 10, "agree_pct": 80.0}
    assert doc["roles"] == {"attendee": 5, "teacher": 3, "both": 2, "neither": 0}


# --- Themes --------------------------------------------------------------------------------------


def comment_on(of, texts: list[str]) -> dict:
    give_feedback(of, [{"went_well": text, "improve": ""} for text in texts])
    return comments_of(of)


def test_themes_count_coded_comments_of_the_periods_sessions_and_surveys_only():
    empty_codebook()
    book = codes(Academic=["Exam preparation"], Community=["Belonging"])
    coder = MemberFactory(roles=["committee"])
    ours = comment_on(counted_session(), ["Great tips", "Past papers", "Friendly", "Ok", "Fine"])
    before = comment_on(counted_session(at(2025, 6, 4)), ["Old tips", "b", "c", "d", "e"])
    survey = society_survey(at(2026, 2, 2))
    answer_survey(survey, [1, 2, 3, 4, 5], text="Made friends")
    earlier_survey = society_survey(at(2025, 2, 2))
    answer_survey(earlier_survey, [1, 2, 3, 4, 5], text="Revision help")
    for text, code in [
        ("Great tips", "Exam preparation"),
        ("Past papers", "Exam preparation"),
        ("Friendly", "Belonging"),
    ]:
        coding.save_coding(answer=ours[text], coder=coder, codes=[book[code]])
    coding.save_coding(answer=before["Old tips"], coder=coder, codes=[book["Exam preparation"]])
    coding.save_coding(answer=next(iter(comments_of(survey).values())), coder=coder, codes=[book["Belonging"]])
    for answer in comments_of(earlier_survey).values():
        coding.save_coding(answer=answer, coder=coder, codes=[book["Exam preparation"]])
    themes = metrics()["themes"]
    assert [(t["key"], t["name"], t["comments"], sorted(t["quotes"])) for t in themes] == [
        ("academic", "Academic", 2, ["Great tips", "Past papers"]),
        ("community", "Community", 2, ["Friendly", "Made friends"]),
    ]


def test_held_back_comments_are_counted_but_never_quoted():
    empty_codebook()
    book = codes(Academic=["Exam preparation"])
    coder = MemberFactory(roles=["committee"])
    ours = comment_on(counted_session(), ["Great tips", "As the only year 6 there, I loved it", "c", "d", "e"])
    for text in ("Great tips", "As the only year 6 there, I loved it"):
        coding.save_coding(answer=ours[text], coder=coder, codes=[book["Exam preparation"]])
    set_held_back(answer=ours["As the only year 6 there, I loved it"], held_back=True, by=coder)
    assert metrics()["themes"] == [
        {
            "key": "academic",
            "name": "Academic",
            "comments": 2,
            "quotes": ["Great tips"],
            "excerpts": 0,
            "interviewees": 0,
        }
    ]


# --- Filters -------------------------------------------------------------------------------------


def test_format_filter_narrows_the_sessions():
    counted_session(at(2025, 11, 5), hours=2, format=SessionFormat.ONLINE)
    counted_session(at(2025, 11, 12), hours=1, format=SessionFormat.IN_PERSON)
    doc = metrics(Filters(format=SessionFormat.ONLINE))
    assert (taught(doc), doc["period"]["filters"]) == ((1, 2.0), {"format": "online"})


def test_series_filter_narrows_the_sessions():
    revision = SeriesFactory(title="Year 2 pathology revision")
    counted_session(at(2025, 11, 5), hours=2, series=revision)
    counted_session(at(2025, 11, 12), hours=1, series=SeriesFactory(title="Clinical skills"))
    counted_session(at(2025, 11, 19), hours=1)
    doc = metrics(Filters(series_id=revision.pk))
    assert (taught(doc), doc["period"]["filters"]) == ((1, 2.0), {"series_id": revision.pk})


def test_topic_filter_narrows_the_sessions_whatever_the_case():
    counted_session(at(2025, 11, 5), hours=2, topic="Cardiology")
    counted_session(at(2025, 11, 12), hours=1, topic="Renal")
    assert taught(metrics(Filters(topic="cardiology"))) == (1, 2.0)


def test_target_year_filter_narrows_the_sessions():
    counted_session(at(2025, 11, 5), hours=2, target_years=[1, 2])
    counted_session(at(2025, 11, 12), hours=1, target_years=[3])
    assert taught(metrics(Filters(target_year=2))) == (1, 2.0)


def test_term_dates_narrow_the_sessions_to_london_days_inclusive():
    counted_session(at(2025, 12, 31, 23, 30), hours=0.5)  # the day before the term
    counted_session(at(2026, 1, 1, 0, 0), hours=2)
    counted_session(at(2026, 3, 31, 23, 30), hours=1.5)  # 22:30 UTC on the last day (BST)
    counted_session(at(2026, 4, 1, 0, 30), hours=0.5)  # 31 March 23:30 in UTC, but 1 April in London
    doc = metrics(Filters(starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 3, 31)))
    assert (taught(doc), doc["period"]) == (
        (2, 3.5),
        {"start": "2025-08-01", "end": "2026-07-31", "filters": {"starts_on": "2026-01-01", "ends_on": "2026-03-31"}},
    )


def test_filters_narrow_participants_attendance_and_feedback_alike():
    online = counted_session(at(2025, 11, 5), format=SessionFormat.ONLINE)
    in_person = counted_session(at(2025, 11, 12), format=SessionFormat.IN_PERSON)
    attend(online, MemberFactory(year_of_study=1), mode=Mode.ONLINE, attended_mode=Mode.ONLINE)
    give_feedback(in_person, [{}] * 5)
    teach(in_person, MemberFactory(year_of_study=5, roles=["teacher"]))
    doc = metrics(Filters(format=SessionFormat.ONLINE))
    assert (doc["participants"]["total"], doc["attendance"]["overall"], doc["teaching"]["teachers"]) == (
        1,
        {"registered": 1, "attended": 1, "rate_pct": 100.0},
        0,
    )
    assert doc["feedback"] == {"responses": 0, "minimum": 5, "metrics": {}}


def test_filters_leave_the_survey_and_the_applications_to_the_whole_year():
    survey = society_survey(at(2026, 2, 2))
    answer_survey(survey, [1, 2, 3, 4, 5])
    approved_application(["career"], applied_at=at(2025, 9, 1), by=MemberFactory(roles=["committee"]))
    doc = metrics(Filters(format=SessionFormat.ONLINE, starts_on=dt.date(2025, 10, 1), ends_on=dt.date(2025, 10, 31)))
    assert (doc["survey"]["id"], doc["survey"]["respondents"]["total"], doc["teaching"]["motivations"]) == (
        survey.pk,
        5,
        {"career": 1},
    )


def test_filters_a_year_earlier_move_term_dates_back_a_year_and_stop_at_until():
    term = Filters(format="online", starts_on=dt.date(2028, 2, 29), ends_on=dt.date(2028, 6, 30))
    assert term.a_year_earlier() == Filters(
        format="online", starts_on=dt.date(2027, 2, 28), ends_on=dt.date(2027, 6, 30)
    )
    assert term.a_year_earlier(until=dt.date(2028, 3, 15)).ends_on == dt.date(2027, 3, 15)
    assert Filters().a_year_earlier(until=dt.date(2026, 11, 25)) == Filters(ends_on=dt.date(2025, 11, 25))


def test_sessions_table_shows_the_overall_mean_only_where_enough_answered_it():
    from analytics.metrics import Period
    from analytics.selectors import sessions_table

    form = make_form(
        (QuestionKind.RATING, "Overall, how was it?", "overall", False, []),
        (QuestionKind.LIKERT, "I learnt something.", "knowledge", True, []),
        family="optional-overall",
    )
    shown = with_form(counted_session(at(2025, 11, 5), title="Shown"), form)
    small = with_form(counted_session(at(2025, 11, 12), title="Small"), form)
    # 4.125 rounds half up to 4.13, as on the session's results page.
    give_feedback(shown, [{"overall": v} for v in (5, 4, 4, 4, 4, 4, 4, 4, "", "")], form=form)
    give_feedback(small, [{"overall": 5}] * 3 + [{"overall": ""}] * 2, form=form)
    rows = {row.session.title: row for row in sessions_table(Period(YEAR, Filters()), now=NOW)}
    assert (rows["Shown"].responses, rows["Shown"].overall_mean) == (10, 4.13)
    assert (rows["Small"].responses, rows["Small"].overall_mean) == (5, None)
