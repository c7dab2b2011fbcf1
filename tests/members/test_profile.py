import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_profile_shows_the_members_details(client, member):
    client.force_login(member)
    response = client.get(reverse("members:profile"))
    assert response.status_code == 200
    form = response.context["form"]
    assert (form["first_name"].value(), form["last_name"].value()) == ("Aisha", "Khan")
    assert "aisha.khan@example.ac.uk" in response.content.decode()


def test_profile_saves_name_and_entry_year(client, member):
    client.force_login(member)
    response = client.post(
        reverse("members:profile"),
        {"first_name": " Aisha ", "last_name": "Khan-Patel", "entry_year": "2024"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.first_name, member.last_name, member.year_of_study, member.entry_year) == (
        "Aisha",
        "Khan-Patel",
        2,
        2024,
    )


@pytest.mark.parametrize(("field", "value"), [("first_name", ""), ("entry_year", "24")])
def test_profile_refuses_bad_values_and_keeps_the_old_ones(client, member, field, value):
    client.force_login(member)
    data = {"first_name": "Aisha", "last_name": "Khan", "entry_year": "", field: value}
    response = client.post(reverse("members:profile"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    member.refresh_from_db()
    assert (member.first_name, member.year_of_study, member.entry_year) == ("Aisha", 2, None)


@pytest.mark.parametrize("value", ["7", "0"])
def test_profile_refuses_a_first_year_outside_1_to_6(client, member, value):
    member.year_of_study = None
    member.save()
    client.force_login(member)
    data = {"first_name": "Aisha", "last_name": "Khan", "year_of_study": value, "entry_year": ""}
    response = client.post(reverse("members:profile"), data)
    assert response.status_code == 200
    assert "year_of_study" in response.context["form"].errors
    member.refresh_from_db()
    assert member.year_of_study is None


def test_profile_cannot_change_roles_or_email(client, member):
    client.force_login(member)
    client.post(
        reverse("members:profile"),
        {"first_name": "A", "last_name": "K", "year_of_study": "2", "email": "x@example.ac.uk", "is_staff": "on"},
    )
    member.refresh_from_db()
    assert (member.email, member.is_staff) == ("aisha.khan@example.ac.uk", False)


def test_home_points_a_member_without_a_year_to_their_profile(client, member):
    member.year_of_study = None
    member.save()
    client.force_login(member)
    assert "Complete your profile" in client.get(reverse("home")).content.decode()


def test_home_points_the_committee_to_the_member_import(client, committee_member):
    client.force_login(committee_member)
    content = client.get(reverse("home")).content.decode()
    assert 'href="/members/import/"' in content


def test_home_for_visitors_invites_them_to_join(client):
    content = client.get(reverse("home")).content.decode()
    assert 'href="/accounts/signup/"' in content
    assert 'href="/members/import/"' not in content


def test_pages_carry_a_content_security_policy_without_inline_script(client):
    response = client.get(reverse("home"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy


def test_home_for_the_committee_asks_for_the_members_roles_once(client, committee_member, django_assert_num_queries):
    client.force_login(committee_member)
    # Session, member, the member's groups (once, however often asked); their upcoming places and
    # feedback to give; the committee's five counts (tests/members/test_home.py: at two sizes).
    with django_assert_num_queries(10):
        response = client.get(reverse("home"))
    assert response.status_code == 200
