import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from members.models import Member
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client):
    admin = MemberFactory(email="admin@example.ac.uk", is_staff=True, is_superuser=True, year_of_study=None)
    client.force_login(admin)
    return client


def test_admin_member_list_searches_by_name_and_email(admin_client_):
    MemberFactory(email="priya.shah@example.ac.uk", first_name="Priya", last_name="Shah")
    MemberFactory(email="sam.nguyen@example.ac.uk", first_name="Sam", last_name="Nguyen")

    response = admin_client_.get(reverse("admin:members_member_changelist"), {"q": "shah"})

    assert [m.email for m in response.context["cl"].result_list] == ["priya.shah@example.ac.uk"]


def test_admin_member_list_filters_by_year_and_role(admin_client_):
    MemberFactory(email="y1@example.ac.uk", year_of_study=1)
    MemberFactory(email="y5@example.ac.uk", year_of_study=5, roles=["teacher"])

    by_year = admin_client_.get(reverse("admin:members_member_changelist"), {"year_of_study__exact": "1"})
    teachers_group = Group.objects.get(name="Teachers")
    teachers = admin_client_.get(reverse("admin:members_member_changelist"), {"groups__id__exact": teachers_group.pk})

    assert [m.email for m in by_year.context["cl"].result_list] == ["y1@example.ac.uk"]
    assert [m.email for m in teachers.context["cl"].result_list] == ["y5@example.ac.uk"]


def test_admin_member_list_query_count_does_not_grow_with_members(admin_client_, django_assert_num_queries):
    url = reverse("admin:members_member_changelist")
    MemberFactory.create_batch(1)
    with django_assert_num_queries(7):
        admin_client_.get(url)
    MemberFactory.create_batch(20)
    with django_assert_num_queries(7):
        admin_client_.get(url)


def test_admin_can_add_a_member_without_a_password(admin_client_):
    response = admin_client_.post(
        reverse("admin:members_member_add"),
        {
            "email": "New.Person@example.ac.uk",
            "first_name": "New",
            "last_name": "Person",
            "year_of_study": "2",
            "usable_password": "false",
            "password1": "",
            "password2": "",
        },
    )
    assert response.status_code == 302
    member = Member.objects.get(email__iexact="new.person@example.ac.uk")
    assert member.has_usable_password() is False
