"""The 403, 404 and 500 pages use the site's layout, say what happened and offer a way back."""

import re

import pytest
from django.template import loader
from django.test import Client
from django.urls import path, reverse

from events.enums import SessionStatus
from meded.urls import urlpatterns as site_urlpatterns
from tests.events.factories import SessionFactory
from tests.factories import MemberFactory


def _boom(request):
    raise RuntimeError("a bug")


# The site's URLs and one that fails, for the 500 page (see the `urls` marks below).
urlpatterns = [path("test-boom/", _boom), *site_urlpatterns]


@pytest.fixture(autouse=True)
def _debug_off(settings):
    settings.DEBUG = False


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1)


def _links(html: str) -> list[str]:
    return re.findall(r'<a class="btn[^"]*" href="([^"]+)"[^>]*>([^<]+)</a>', html)


@pytest.mark.django_db
def test_a_missing_page_is_a_friendly_404_in_the_layout_with_the_menu(client):
    client.force_login(MemberFactory(first_name="Ada", year_of_study=3))

    response = client.get("/no-such-page/")

    html = response.content.decode()
    assert response.status_code == 404
    assert _title(html) == "Page not found – MedEd"
    assert "<h1>Page not found</h1>" in html
    assert ">My sessions</a>" in html  # the signed-in member's menu
    assert "Signed in as Ada" in html
    assert _links(html) == [("/", "Go back"), ("/", "Go to the home page")]


@pytest.mark.django_db
def test_a_refused_page_is_a_friendly_403_in_the_layout_with_the_menu(client):
    session = SessionFactory(status=SessionStatus.PUBLISHED)
    client.force_login(MemberFactory(year_of_study=3))

    response = client.get(reverse("attendance:sheet", args=[session.pk]))

    html = response.content.decode()
    assert response.status_code == 403
    assert _title(html) == "You can’t open this page – MedEd"
    assert "Your account doesn’t have permission to see this page." in html
    assert ">My sessions</a>" in html
    assert _links(html) == [("/", "Go back"), ("/", "Go to the home page")]


@pytest.mark.django_db
@pytest.mark.urls("tests.test_error_pages")
def test_a_server_error_is_a_friendly_500_in_the_layout():
    client = Client(raise_request_exception=False)
    client.force_login(MemberFactory(year_of_study=3))

    response = client.get("/test-boom/")

    html = response.content.decode()
    assert response.status_code == 500
    assert _title(html) == "Something went wrong – MedEd"
    assert "Sorry, MedEd ran into a problem and couldn’t show this page." in html
    assert 'class="navbar-brand fw-semibold" href="/">MedEd</a>' in html
    assert "Sign in" not in html  # no user in the 500 page's context: it must not look signed out
    assert _links(html) == [("/", "Go back"), ("/", "Go to the home page")]


def test_the_500_page_renders_with_an_empty_context_and_no_database():
    # No django_db mark: any query here fails the test, as the database may be what broke.
    html = loader.get_template("500.html").render()

    assert _title(html) == "Something went wrong – MedEd"
    assert '<main id="main"' in html
