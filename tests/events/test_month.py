import datetime as dt
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests.events.factories import ProposedSessionFactory
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _next_month_start():
    today = timezone.localdate()
    return (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def test_month_view_puts_sessions_on_their_day_for_the_members_year(client):
    teacher = MemberFactory(roles=["teacher"], year_of_study=5)
    month = _next_month_start()
    at = timezone.make_aware(dt.datetime.combine(month + dt.timedelta(days=9), dt.time(18, 30)))
    ProposedSessionFactory(teacher=teacher, online=True, title="Renal", starts_at=at)
    ProposedSessionFactory(teacher=teacher, online=True, title="For year 4 only", starts_at=at, target_years=[4])
    client.force_login(MemberFactory(year_of_study=2))

    response = client.get(reverse("events:month"), {"month": f"{month:%Y-%m}"})

    days = {day: [s.title for s in sessions] for week in response.context["weeks"] for day, sessions in week}
    assert days[month + dt.timedelta(days=9)] == ["Renal"]
    assert sum(len(titles) for titles in days.values()) == 1
    assert response.context["weeks"][0][0][0].weekday() == 0  # weeks start on Monday
    content = response.content.decode()
    assert f"Sessions in {month:%B %Y}" in content
    assert "18:30 Renal" in content


def test_month_view_links_to_the_months_either_side_keeping_filters(client):
    client.force_login(MemberFactory(year_of_study=2))
    response = client.get(reverse("events:month"), {"month": "2027-01", "format": "online"})
    content = response.content.decode()
    assert "month=2026-12" in content
    assert "month=2027-02" in content
    assert "format=online" in content


def test_month_view_with_a_malformed_month_shows_the_current_one(client):
    client.force_login(MemberFactory(year_of_study=2))
    response = client.get(reverse("events:month"), {"month": "not-a-month"})
    assert response.context["month"] == timezone.localdate().replace(day=1)


@pytest.mark.parametrize("count", [5, 200])
def test_month_view_query_count_does_not_grow(client, django_assert_num_queries, count):
    teacher = MemberFactory(roles=["teacher"], year_of_study=5)
    month = _next_month_start()
    start = timezone.make_aware(dt.datetime.combine(month, dt.time(8)))
    for n in range(count):
        ProposedSessionFactory(teacher=teacher, online=True, title=f"S{n}", starts_at=start + dt.timedelta(hours=2 * n))
    client.force_login(MemberFactory(year_of_study=2))
    with django_assert_num_queries(8):  # session, member, groups, topics, series, sessions, years, roster + teachers
        response = client.get(reverse("events:month"), {"month": f"{month:%Y-%m}"})
    assert sum(len(s) for week in response.context["weeks"] for _, s in week) == count


@pytest.mark.parametrize("month", ["0001-01", "9999-12"])
def test_month_view_with_an_absurd_year_shows_the_current_month(client, month):
    client.force_login(MemberFactory(year_of_study=2))
    response = client.get(reverse("events:month"), {"month": month})
    assert response.context["month"] == timezone.localdate().replace(day=1)


def _contrast(foreground: str, background: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_month_view_draws_other_months_days_apart_in_a_grey_of_at_least_4_5_to_1(client):
    client.force_login(MemberFactory(year_of_study=2))

    # February 2027 runs Monday 1st to Sunday 28th: four weeks, no day of another month.
    content = client.get(reverse("events:month"), {"month": "2027-02"}).content.decode()
    assert content.count('class="month-other bg-light"') == 0
    # March 2027 ends on a Wednesday: its last week shows 1–4 April.
    content = client.get(reverse("events:month"), {"month": "2027-03"}).content.decode()
    assert content.count('class="month-other bg-light"') == 4
    assert "text-body-tertiary" not in content

    css = (settings.BASE_DIR / "static" / "css" / "meded.css").read_text()
    colour = re.search(r"\.month-other \{ color: (#[0-9a-f]{6}); \}", css).group(1)
    assert _contrast(colour, "#f8f9fa") >= 4.5  # Bootstrap's .bg-light
