"""Every page's <title> is "Page – MedEd", with "Error: " first when its form came back with errors."""

import re

import pytest
from django.template import engines
from django.urls import reverse

from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1)


def test_home_title_is_the_page_then_the_site_name(client):
    assert _title(client.get(reverse("home"))) == "Home – MedEd"


def test_signed_in_pages_have_the_page_then_the_site_name(client):
    client.force_login(MemberFactory(year_of_study=3))

    assert _title(client.get(reverse("events:catalogue"))) == "Sessions – MedEd"
    assert _title(client.get(reverse("members:profile"))) == "My profile – MedEd"


def test_sign_in_page_has_the_page_then_the_site_name(client):
    assert _title(client.get(reverse("account_login"))) == "Sign in – MedEd"


def test_a_failed_sign_in_puts_error_first(client):
    MemberFactory(email="ada@example.ac.uk")

    response = client.post(reverse("account_login"), {"login": "ada@example.ac.uk", "password": "wrong"})

    assert response.status_code == 200
    assert _title(response) == "Error: Sign in – MedEd"


def test_an_invalid_profile_form_puts_error_first(client):
    client.force_login(MemberFactory(year_of_study=3))

    response = client.post(reverse("members:profile"), {})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert _title(response) == "Error: My profile – MedEd"


def test_a_page_without_a_title_is_titled_with_the_site_name_alone():
    html = engines["django"].from_string('{% extends "base.html" %}').render({})

    assert re.search(r"<title>(.*?)</title>", html).group(1) == "MedEd"


def test_a_page_may_flag_errors_in_a_form_not_called_form():
    html = (
        engines["django"]
        .from_string('{% extends "base.html" %}{% block head_title %}Import{% endblock %}')
        .render({"has_form_errors": True})
    )

    assert re.search(r"<title>(.*?)</title>", html).group(1) == "Error: Import – MedEd"


def test_a_refused_import_puts_error_first():
    html = (
        engines["django"]
        .from_string('{% extends "base.html" %}{% block head_title %}Import a timetable{% endblock %}')
        .render({"import_errors": ["Row 2: no such teacher."]})
    )

    assert re.search(r"<title>(.*?)</title>", html).group(1) == "Error: Import a timetable – MedEd"
