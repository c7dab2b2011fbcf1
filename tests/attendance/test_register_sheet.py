"""The register page: a row per person whose statuses are real radios drawn as buttons."""

import re

import pytest
from django.urls import reverse

from attendance.models import Registration
from attendance.services import register
from tests.events.factories import ProposedSessionFactory
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_each_person_is_a_group_named_by_them_with_a_labelled_button_per_status(client, teacher):
    session = ProposedSessionFactory(teacher=teacher, hybrid=True)
    ada = register(
        session=session, member=MemberFactory(first_name="Ada", last_name="Adams", year_of_study=2), mode="in_person"
    )
    Registration.objects.filter(pk=ada.pk).update(attendance="late")
    client.force_login(teacher)

    page = client.get(reverse("attendance:sheet", args=[session.pk])).content.decode()

    group = re.search(r"<fieldset>(.*?)</fieldset>", page, re.S).group(1)
    assert re.search(rf'<legend class="register-name" id="name-{ada.pk}">Ada Adams', group)
    radios = re.findall(
        r'<input class="btn-check" type="radio" name="status-(\d+)" id="([^"]+)" value="(\w+)"[^>]*?( checked)?>', group
    )
    assert [(int(pk), value, bool(checked)) for pk, _, value, checked in radios] == [
        (ada.pk, "present", False),
        (ada.pk, "late", True),
        (ada.pk, "absent", False),
        (ada.pk, "excused", False),
    ]
    labels = re.findall(r'<label class="btn btn-outline-primary register-status" for="([^"]+)">(\w+)</label>', group)
    assert labels == [
        (f"status-{ada.pk}-present", "Present"),
        (f"status-{ada.pk}-late", "Late"),
        (f"status-{ada.pk}-absent", "Absent"),
        (f"status-{ada.pk}-excused", "Excused"),
    ]
    assert [radio_id for _, radio_id, _, _ in radios] == [radio_id for radio_id, _ in labels]
    assert "Year 2 · In person" in group
    assert "<table" not in page


def test_saving_the_register_changes_a_persons_status(client, teacher):
    session = ProposedSessionFactory(teacher=teacher, hybrid=True)
    ada, ben = (
        register(session=session, member=MemberFactory(last_name=name, year_of_study=2), mode="online")
        for name in ("Adams", "Brown")
    )
    client.force_login(teacher)
    url = reverse("attendance:sheet", args=[session.pk])
    client.post(url, {f"status-{ada.pk}": "present", f"status-{ben.pk}": "absent"})

    response = client.post(url, {f"status-{ada.pk}": "late", f"status-{ben.pk}": "absent"}, follow=True)

    assert response.redirect_chain == [(url, 302)]
    assert dict(Registration.objects.values_list("member__last_name", "attendance")) == {
        "Adams": "late",
        "Brown": "absent",
    }
    assert re.search(
        rf'name="status-{ada.pk}" id="status-{ada.pk}-late" value="late" autocomplete="off" checked>',
        response.content.decode(),
    )
