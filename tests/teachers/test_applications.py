import pytest
from django.urls import reverse

from members.permissions import is_teacher
from teachers.enums import ApplicationStatus
from teachers.models import ApplicationMotivation, TeacherApplication
from teachers.services import (
    ApplicationRefused,
    apply_to_teach,
    approve_application,
    decline_application,
)
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _fresh(member):
    # Role checks cache the member's groups on the object; read the member again after a change.
    return type(member).objects.get(pk=member.pk)


def test_applying_records_subjects_year_and_each_motivation(member):
    application = apply_to_teach(
        member=member,
        subjects="Renal physiology",
        motivations=["helping_others", "career", "other"],
        other_motivation="  To give back  ",
    )
    assert (application.subjects, application.year_of_study, application.status) == (
        "Renal physiology",
        2,
        ApplicationStatus.PENDING,
    )
    assert application.other_motivation == "To give back"
    assert sorted(ApplicationMotivation.objects.values_list("motivation", flat=True)) == [
        "career",
        "helping_others",
        "other",
    ]


def test_other_text_is_dropped_when_other_is_not_ticked(member):
    application = apply_to_teach(member=member, subjects="X", motivations=["enjoyment"], other_motivation="ignored")
    assert application.other_motivation == ""


def test_a_second_pending_application_is_refused(member):
    apply_to_teach(member=member, subjects="X", motivations=["enjoyment"])
    with pytest.raises(ApplicationRefused, match="already with the committee"):
        apply_to_teach(member=member, subjects="Y", motivations=["career"])
    assert TeacherApplication.objects.count() == 1


def test_a_teacher_cannot_apply(teacher):
    with pytest.raises(ApplicationRefused, match="already a student-teacher"):
        apply_to_teach(member=teacher, subjects="X", motivations=["enjoyment"])


def test_approval_adds_the_member_to_teachers_and_records_who_decided(member, committee_member):
    application = apply_to_teach(member=member, subjects="X", motivations=["enjoyment"])
    approved = approve_application(application=application, by=committee_member)
    assert (approved.status, approved.decided_by) == (ApplicationStatus.APPROVED, committee_member)
    assert approved.decided_at is not None
    assert is_teacher(_fresh(member)) is True


def test_an_application_is_decided_once(member, committee_member):
    application = apply_to_teach(member=member, subjects="X", motivations=["enjoyment"])
    decline_application(application=application, by=committee_member, reason="Apply again in year 3")
    with pytest.raises(ApplicationRefused, match="already been decided"):
        approve_application(application=application, by=committee_member)
    assert is_teacher(_fresh(member)) is False


def test_declining_needs_a_reason_and_then_the_member_may_apply_again(member, committee_member):
    application = apply_to_teach(member=member, subjects="X", motivations=["enjoyment"])
    with pytest.raises(ValueError):
        decline_application(application=application, by=committee_member, reason="  ")
    decline_application(application=application, by=committee_member, reason="Apply again in year 3")
    again = apply_to_teach(member=member, subjects="Y", motivations=["career"])
    assert again.status == ApplicationStatus.PENDING


def test_apply_page_sends_the_application_and_then_shows_it_pending(client, member):
    client.force_login(member)
    response = client.post(
        reverse("teachers:apply"),
        {"subjects": "Cardiology", "motivations": ["helping_others", "transferable_skills"]},
        follow=True,
    )
    content = response.content.decode()
    assert "Thank you: your application is with the committee." in content
    assert "is with the committee. You will hear from them soon." in content
    assert TeacherApplication.objects.get().member == member


def test_apply_page_asks_for_the_other_reason(client, member):
    client.force_login(member)
    response = client.post(reverse("teachers:apply"), {"subjects": "X", "motivations": ["other"]})
    assert response.context["form"].errors == {"other_motivation": ["Tell us your other reason, or untick “Other”."]}
    assert TeacherApplication.objects.count() == 0


def test_apply_page_shows_the_reason_for_a_declined_application(client, member, committee_member):
    application = apply_to_teach(member=member, subjects="X", motivations=["enjoyment"])
    decline_application(application=application, by=committee_member, reason="Apply again in year 3")
    client.force_login(member)
    content = client.get(reverse("teachers:apply")).content.decode()
    assert "The committee declined your last application:</strong> Apply again in year 3" in content


def test_committee_approves_from_the_queue(client, member, committee_member):
    application = apply_to_teach(member=member, subjects="Renal", motivations=["career"])
    client.force_login(committee_member)
    assert "Renal" in client.get(reverse("teachers:applications")).content.decode()

    response = client.post(reverse("teachers:applications"), {"decision": f"approve:{application.pk}"}, follow=True)

    assert "Aisha Khan is now a student-teacher." in response.content.decode()
    assert is_teacher(_fresh(member)) is True


def test_committee_must_give_a_reason_to_decline(client, member, committee_member):
    application = apply_to_teach(member=member, subjects="Renal", motivations=["career"])
    client.force_login(committee_member)

    response = client.post(reverse("teachers:applications"), {"decision": f"decline:{application.pk}"}, follow=True)
    assert "Give Aisha Khan a reason before declining." in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING

    client.post(
        reverse("teachers:applications"),
        {"decision": f"decline:{application.pk}", f"reason-{application.pk}": "Apply again in year 3"},
    )
    application.refresh_from_db()
    assert (application.status, application.decline_reason) == (ApplicationStatus.DECLINED, "Apply again in year 3")


@pytest.mark.parametrize("count", [1, 20])
def test_application_queue_query_count_does_not_grow(client, committee_member, django_assert_num_queries, count):
    for n in range(count):
        apply_to_teach(member=MemberFactory(year_of_study=4), subjects=f"S{n}", motivations=["career", "enjoyment"])
    client.force_login(committee_member)
    with django_assert_num_queries(5):  # session, member, groups, applications + members, motivations
        response = client.get(reverse("teachers:applications"))
    assert len(response.context["applications"]) == count
