"""The "Give feedback" link on My sessions, and certificates that wait for feedback."""

import pytest
from django.urls import reverse

from feedback.services import submit_response
from tests.factories import MemberFactory
from tests.feedback.factories import answers_for, attend, ended_session, session_form

pytestmark = pytest.mark.django_db


def test_my_sessions_offers_feedback_only_where_it_can_be_given(client, settings):
    settings.FEEDBACK_WINDOW_DAYS = 14
    member = MemberFactory()
    present = ended_session(title="Present", register_taken=True)
    absent = ended_session(title="Absent", register_taken=True)
    unmarked = ended_session(title="Unmarked")
    old = ended_session(title="Old", hours_ago=24 * 20)
    given = ended_session(title="Given")
    attend(present, member)
    attend(absent, member, attendance="absent")
    attend(unmarked, member, attendance="")
    attend(old, member)
    attend(given, member)
    submit_response(member=member, session=given, answers=answers_for(session_form()))
    client.force_login(member)
    html = client.get(reverse("attendance:mine")).content.decode()
    offered = {
        s.title for s in (present, absent, unmarked, old, given) if f'data-testid="give-feedback-{s.pk}"' in html
    }
    assert offered == {"Present", "Unmarked"}
    assert reverse("feedback:answer_session", args=[present.pk]) in html


def test_with_the_setting_on_the_certificate_waits_for_feedback(client, settings):
    settings.FEEDBACK_REQUIRED_FOR_CERTIFICATES = True
    session, member = ended_session(), MemberFactory()
    registration = attend(session, member)
    client.force_login(member)
    assert "Certificate once you have given feedback" in client.get(reverse("attendance:mine")).content.decode()
    page = client.get(reverse("attendance:certificate", args=[registration.pk]), follow=True)
    assert page.redirect_chain == [(reverse("feedback:answer_session", args=[session.pk]), 302)]
    assert "Please give your feedback on this session first" in page.content.decode()
    submit_response(member=member, session=session, answers=answers_for(session_form()))
    assert "Certificate (PDF)" in client.get(reverse("attendance:mine")).content.decode()
    pdf = client.get(reverse("attendance:certificate", args=[registration.pk]))
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")


def test_with_the_setting_off_the_certificate_needs_no_feedback(client, settings):
    settings.FEEDBACK_REQUIRED_FOR_CERTIFICATES = False
    session, member = ended_session(), MemberFactory()
    registration = attend(session, member)
    client.force_login(member)
    pdf = client.get(reverse("attendance:certificate", args=[registration.pk]))
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")


def test_once_feedback_has_closed_the_certificate_is_no_longer_held_back(client, settings):
    settings.FEEDBACK_REQUIRED_FOR_CERTIFICATES = True
    settings.FEEDBACK_WINDOW_DAYS = 14
    session, member = ended_session(hours_ago=24 * 15), MemberFactory()
    registration = attend(session, member)
    client.force_login(member)

    page = client.get(reverse("attendance:mine")).content.decode()
    assert "Certificate once you have given feedback" not in page
    assert "Certificate (PDF)" in page
    pdf = client.get(reverse("attendance:certificate", args=[registration.pk]))
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
