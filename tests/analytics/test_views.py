"""The dashboard page, its JSON and CSV downloads, and the `metrics` command: who may open them,
that they show the one document, bad input, formula-safe CSV and flat query counts."""

import csv
import datetime as dt
import io
import json
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import reverse

from analytics import metrics
from attendance.enums import AttendanceStatus, Mode
from events.enums import SessionFormat
from members.academic_year import AcademicYear
from tests.analytics.factories import LONDON, held_session
from tests.factories import MemberFactory
from tests.feedback.factories import attend

pytestmark = pytest.mark.django_db

YEAR = AcademicYear.parse("2025-26")
NOW = dt.datetime(2026, 11, 25, 12, tzinfo=LONDON)


def populate(sessions: int) -> None:
    """`sessions` sessions in 2025-26, each with attendees of both bands, in person and online."""
    for index in range(sessions):
        session = held_session(day=dt.date(2025, 10, 1) + dt.timedelta(days=7 * index), title=f"Session {index}")
        attend(session, MemberFactory(year_of_study=1))
        attend(session, MemberFactory(year_of_study=2), attendance=AttendanceStatus.LATE, attended_mode=Mode.ONLINE)
        attend(session, MemberFactory(year_of_study=4), attendance=AttendanceStatus.ABSENT)


@pytest.fixture
def committee_client(client, committee_member):
    client.force_login(committee_member)
    return client


def test_students_and_teachers_are_refused_every_analytics_url(client, member, teacher):
    urls = [
        reverse("analytics:dashboard"),
        reverse("analytics:metrics_json"),
        reverse("analytics:metrics_csv"),
        reverse("analytics:table_csv", args=["sessions"]),
        reverse("analytics:table_csv", args=["participants"]),
    ]
    for who in (member, teacher):
        client.force_login(who)
        assert [client.get(url).status_code for url in urls] == [403] * len(urls)


def test_json_is_the_document_and_what_the_command_prints(committee_client):
    populate(2)
    response = committee_client.get(reverse("analytics:metrics_json"), {"academic_year": "2025-26"})
    out = io.StringIO()
    call_command("metrics", "--academic-year", "2025-26", "--format", "json", stdout=out)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.content.decode() == out.getvalue()
    document = json.loads(out.getvalue())
    assert document == metrics.for_year(YEAR)
    assert document["participants"]["total"] == 8  # six attendees and two leads
    assert document["attendance"]["overall"] == {"registered": 6, "attended": 4, "rate_pct": 66.7}


def test_json_takes_the_page_filters(committee_client):
    populate(1)
    held_session(day=dt.date(2025, 11, 3), title="Online only", format=SessionFormat.ONLINE)
    response = committee_client.get(
        reverse("analytics:metrics_json"), {"academic_year": "2025-26", "format": SessionFormat.ONLINE}
    )
    document = response.json()
    assert document["period"]["filters"] == {"format": "online"}
    assert document["teaching"]["sessions"] == 1
    assert document["attendance"]["sessions_counted"] == 1
    assert document["attendance"]["overall"]["registered"] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"academic_year": "2025"}, "academic_year"),
        ({"academic_year": "2025-26", "starts_on": "2024-01-01"}, "starts_on"),
        ({"academic_year": "2025-26", "starts_on": "2026-03-01", "ends_on": "2026-02-01"}, "ends_on"),
        ({"target_year": "9"}, "target_year"),
        ({"format": "by pigeon"}, "format"),
    ],
)
def test_json_refuses_bad_filters_with_the_reason(committee_client, query, field):
    response = committee_client.get(reverse("analytics:metrics_json"), query)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_page_shows_the_documents_figures_and_last_years(committee_client):
    populate(2)
    last_year = held_session(day=dt.date(2024, 11, 5), title="Last year's session")
    attend(last_year, MemberFactory(year_of_study=1))
    response = committee_client.get(reverse("analytics:dashboard"), {"academic_year": "2025-26"})
    assert response.status_code == 200
    page = response.content.decode()
    cards = {card.label: card for card in response.context["headlines"]}
    assert cards["Participants"].value == "8"
    assert cards["Participants"].previous == "2"
    assert cards["Participants"].change == "+6"
    assert cards["Attendance rate"].value == "66.7%"
    assert cards["Attendance rate"].previous == "100.0%"
    assert cards["Attendance rate"].change == "−33.3 points"
    assert "Dashboard 2025-26" in page
    assert "1 August 2025 to 31 July 2026" in page
    assert "No survey closed in 2025-26." in page
    assert [row.session.title for row in response.context["sessions"]] == ["Session 0", "Session 1"]


def test_page_of_an_empty_year_says_so(committee_client):
    response = committee_client.get(reverse("analytics:dashboard"), {"academic_year": "2019-20"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "No survey closed in 2019-20." in page
    assert "Nobody registered for or taught a session in 2019-20." in page
    assert "No sessions were published in 2019-20." in page


def test_page_reports_a_bad_filter_and_shows_the_year_without_it(committee_client):
    populate(1)
    response = committee_client.get(
        reverse("analytics:dashboard"), {"academic_year": "2025-26", "starts_on": "2030-01-01"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "The figures below leave that filter out." in page
    assert "Choose a date in 2025-26, between 1 August 2025 and 31 July 2026." in page
    assert response.context["doc"]["participants"]["total"] == 4


def test_sessions_table_sorts_by_rate(committee_client):
    populate(2)
    busy = held_session(day=dt.date(2026, 1, 10), title="Everyone came")
    attend(busy, MemberFactory(year_of_study=3))
    response = committee_client.get(reverse("analytics:dashboard"), {"academic_year": "2025-26", "sort": "-rate"})
    # Ties keep the date order, reversed with the rest.
    assert [row.session.title for row in response.context["sessions"]] == ["Everyone came", "Session 1", "Session 0"]
    rate_link = next(link for link in response.context["sort_links"] if link["key"] == "rate")
    assert rate_link["aria_sort"] == "descending"
    assert "sort=rate" in rate_link["query"]


def test_a_session_whose_rate_counts_fewer_than_its_places_says_how_many(committee_client):
    session = held_session(day=dt.date(2025, 10, 1), title="Excused ones")
    for attendance in (AttendanceStatus.PRESENT, AttendanceStatus.PRESENT, AttendanceStatus.EXCUSED):
        attend(session, MemberFactory(year_of_study=1), attendance=attendance)
    exact = held_session(day=dt.date(2025, 10, 8), title="All counted")
    attend(exact, MemberFactory(year_of_study=1))

    page = committee_client.get(reverse("analytics:dashboard"), {"academic_year": "2025-26"}).content.decode()

    rows = {
        title: page[page.index(title) : page.index("</tr>", page.index(title))]
        for title in ("Excused ones", "All counted")
    }
    assert '3<br><span class="small text-body-secondary text-nowrap">2 counted</span>' in rows["Excused ones"]
    assert "100.0%" in rows["Excused ones"]
    assert "counted</span>" not in rows["All counted"]


def test_csv_downloads_are_formula_safe(committee_client):
    session = held_session(day=dt.date(2025, 10, 1), title='=HYPERLINK("http://evil")')
    attend(session, MemberFactory(year_of_study=1))
    response = committee_client.get(reverse("analytics:table_csv", args=["sessions"]), {"academic_year": "2025-26"})
    assert response["Content-Disposition"] == 'attachment; filename="meded-sessions-2025-26.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][1] == '\'=HYPERLINK("http://evil")'
    assert rows[1][4:8] == ["1", "1", "1", "100.0%"]


def test_document_csv_has_a_row_per_figure(committee_client):
    populate(1)
    response = committee_client.get(reverse("analytics:metrics_csv"), {"academic_year": "2025-26"})
    rows = dict(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows["metric"] == "value"
    assert rows["participants.bands.years_1_2.n"] == "2"
    assert rows["attendance.overall.rate_pct"] == "66.7"
    assert rows["survey"] == ""
    out = io.StringIO()
    call_command("metrics", "--academic-year", "2025-26", "--format", "csv", stdout=out)
    assert dict(csv.reader(io.StringIO(out.getvalue()))) == rows


def test_each_table_downloads_as_shown(committee_client):
    populate(1)
    response = committee_client.get(reverse("analytics:table_csv", args=["attendance"]), {"academic_year": "2025-26"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Group", "Registered", "Attended", "Rate"]
    assert rows[1] == ["Years 1–2", "2", "2", "100.0%"]
    assert rows[2] == ["Years 3–6", "1", "0", "0.0%"]
    assert committee_client.get(reverse("analytics:table_csv", args=["nothing"])).status_code == 404


def test_command_prints_readable_tables(committee_client):
    populate(1)
    out = io.StringIO()
    call_command("metrics", "--academic-year", "2025-26", stdout=out)
    text = out.getvalue()
    assert text.startswith("MedEd metrics for 2025-26 (2025-08-01 to 2026-07-31)\n")
    assert "\nYears 1–2                   2         2  100.0%\n" in text
    assert "No survey closed in 2025-26." in text
    assert "Evaluation summary" in text


def test_command_refuses_a_bad_year():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Academic year: Choose an academic year written like"):
        call_command("metrics", "--academic-year", "2025/26")


@pytest.mark.parametrize("sessions", [1, 4])
def test_page_takes_the_same_queries_whatever_the_data(committee_client, django_assert_num_queries, sessions):
    populate(sessions)
    # Session, user and roles (3); years, topics and series for the filters (4); this year's and
    # last year's documents (7 + 7 without a survey); the sessions table (6).
    with django_assert_num_queries(27):
        response = committee_client.get(reverse("analytics:dashboard"), {"academic_year": "2025-26"})
    assert len(response.context["sessions"]) == sessions


def test_year_under_way_is_compared_with_last_year_to_the_same_day(committee_client):
    today = dt.datetime(2026, 11, 25, 12, tzinfo=LONDON)
    attend(held_session(day=dt.date(2025, 11, 24), title="By now last year"), MemberFactory(year_of_study=1))
    attend(held_session(day=dt.date(2025, 11, 26), title="Later last year"), MemberFactory(year_of_study=2))
    attend(held_session(day=dt.date(2026, 11, 24), title="This year"), MemberFactory(year_of_study=1))

    with mock.patch("django.utils.timezone.now", return_value=today):  # the clock: 25 November 2026
        response = committee_client.get(reverse("analytics:dashboard"))
    assert response.context["doc"]["academic_year"] == "2026-27"
    cards = {card.label: card for card in response.context["headlines"]}
    assert cards["Sessions completed"].previous == "1"  # not 2: the later one had not happened yet
    assert cards["Sessions completed"].change == "no change"
    assert "no change on 2025-26 to 25 November (1)" in response.content.decode()
    # The month chart still draws last year's whole line.
    assert response.context["previous"]["teaching"]["sessions"] == 2


def test_term_dates_are_compared_with_the_same_dates_a_year_earlier(committee_client):
    held_session(day=dt.date(2024, 11, 5), title="Autumn last year")
    held_session(day=dt.date(2025, 3, 5), title="Spring last year")
    held_session(day=dt.date(2025, 11, 5), title="Autumn this year")
    response = committee_client.get(
        reverse("analytics:dashboard"),
        {"academic_year": "2025-26", "starts_on": "2025-09-01", "ends_on": "2025-12-31"},
    )
    assert response.context["previous"]["period"]["filters"] == {"starts_on": "2024-09-01", "ends_on": "2024-12-31"}
    assert response.context["previous"]["teaching"]["sessions"] == 1


def test_downloads_take_any_topic_as_the_page_does(committee_client):
    populate(1)
    held_session(day=dt.date(2025, 11, 3), title="Heart", years=(3,)).__class__.objects.filter(title="Heart").update(
        topic="Cardiology"
    )
    for name in ("analytics:metrics_json", "analytics:metrics_csv"):
        response = committee_client.get(reverse(name), {"academic_year": "2025-26", "topic": "cardiology"})
        assert response.status_code == 200
    document = committee_client.get(
        reverse("analytics:metrics_json"), {"academic_year": "2025-26", "topic": "cardiology"}
    ).json()
    assert document["teaching"]["sessions"] == 1


@pytest.mark.parametrize("label", ["9999-00", "0000-01", "0001-02"])
def test_years_no_society_could_have_are_refused_not_a_500(committee_client, label):
    page = committee_client.get(reverse("analytics:dashboard"), {"academic_year": label})
    assert page.status_code == 200
    assert page.context["doc"]["academic_year"] == AcademicYear.current().label
    assert "Choose an academic year written like" in page.content.decode()
    assert committee_client.get(reverse("analytics:metrics_json"), {"academic_year": label}).status_code == 400


def test_year_picker_shows_the_year_the_figures_are_for(committee_client):
    held_session(day=dt.date(2031, 10, 1))  # a year with data later than the one asked for
    response = committee_client.get(reverse("analytics:dashboard"), {"academic_year": "2012-13"})
    page = response.content.decode()
    assert '<option value="2012-13" selected>2012-13</option>' in page
    assert '<option value="2031-32">2031-32</option>' in page


def test_download_links_leave_out_a_refused_filter(committee_client):
    response = committee_client.get(
        reverse("analytics:dashboard"), {"academic_year": "2025-26", "series": "abc", "format": "online"}
    )
    assert response.context["query"] == "academic_year=2025-26&format=online"
    assert 'aria-invalid="true"' in response.content.decode()


def test_command_refuses_what_the_page_refuses():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="To: Choose a date in 2025-26"):
        call_command("metrics", "--academic-year", "2025-26", "--to", "2027-01-01")
    with pytest.raises(CommandError, match="Series: Select a valid choice"):
        call_command("metrics", "--series", "999")
