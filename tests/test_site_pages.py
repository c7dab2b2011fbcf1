"""The privacy notice, accessibility statement and contact page: open to everyone, linked from
the footer of every page, with the society's name and address from settings."""

import re

import pytest
from django.urls import reverse

from tests.factories import MemberFactory
from tests.test_page_titles import _title

pytestmark = pytest.mark.django_db

PAGES = {
    "privacy": "Privacy notice – MedEd",
    "accessibility": "Accessibility statement – MedEd",
    "contact": "Contact us – MedEd",
}


def _footer_links(response) -> list[str]:
    footer = re.search(r"<footer.*?</footer>", response.content.decode(), re.S).group(0)
    return re.findall(r'href="([^"]+)"', footer)


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed in"])
@pytest.mark.parametrize(("name", "title"), PAGES.items())
def test_each_page_opens_for_everyone_with_its_title(client, name, title, signed_in):
    if signed_in:
        client.force_login(MemberFactory())
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert _title(response) == title
    assert response.context["contact_email"] == "committee@meded.localhost"


def test_the_pages_give_the_society_and_its_address_from_settings(client, settings):
    settings.SOCIETY_NAME = "Anytown Medical Education Society"
    settings.SOCIETY_CONTACT_EMAIL = "teaching@anytown-su.example.ac.uk"
    for name in PAGES:
        page = client.get(reverse(name)).content.decode()
        assert 'href="mailto:teaching@anytown-su.example.ac.uk"' in page
    privacy = client.get(reverse("privacy")).content.decode()
    assert "Anytown Medical Education Society, the student society that runs" in privacy


def test_the_accessibility_statement_has_the_parts_the_regulations_ask_for(client):
    page = client.get(reverse("accessibility")).content.decode()
    for heading in (
        "How accessible this website is",
        "What to do if you cannot use parts of this website",
        "Reporting accessibility problems with this website",
        "Enforcement procedure",
        "Compliance status",
        "Non-accessible content",
        "How we tested this website",
        "Preparation of this accessibility statement",
    ):
        assert f">{heading}</h" in page, heading
    assert "Equality Advisory and Support Service" in page
    assert "partially compliant with the Web Content Accessibility Guidelines version 2.2 AA" in page
    assert "This statement was prepared on 26 November 2026." in page


def test_the_privacy_notice_says_how_long_e_mails_are_kept(client, settings):
    settings.NOTIFICATION_KEEP_DAYS = 90
    page = client.get(reverse("privacy")).content.decode()
    assert "Copies of e-mails: 90 days." in page


EVERY_KIND_OF_PAGE = ["home", "account_login", "account_signup", "privacy", "accessibility", "contact"]
SIGNED_IN_PAGES = ["home", "members:profile", "events:catalogue", "attendance:mine", "attendance:code"]


def _assert_footer_links_all_three(response):
    assert _footer_links(response) == [reverse("privacy"), reverse("accessibility"), reverse("contact")]


@pytest.mark.parametrize("name", EVERY_KIND_OF_PAGE)
def test_the_footer_links_the_three_pages_for_visitors(client, name):
    _assert_footer_links_all_three(client.get(reverse(name)))


@pytest.mark.parametrize("name", SIGNED_IN_PAGES)
def test_the_footer_links_the_three_pages_for_members(client, name):
    client.force_login(MemberFactory())
    _assert_footer_links_all_three(client.get(reverse(name)))


def test_the_footer_links_the_three_pages_on_a_failed_form_and_a_page_not_found(client):
    client.force_login(MemberFactory())
    _assert_footer_links_all_three(client.post(reverse("members:profile"), {}))
    _assert_footer_links_all_three(client.get("/no-such-page/"))
