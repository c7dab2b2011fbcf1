"""Issue 12: a member's year of study is not theirs to change; they ask the committee, and every
change of it (import, rollover, approved request, admin, sign-up, first setting) is logged."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from home.my_data import export_member_data
from members.academic_year import AcademicYear
from members.enums import YearChangeSource, YearRequestState
from members.models import Member, YearOfStudyChange, YearOfStudyRequest
from members.services import (
    YearOfStudyRefused,
    approve_year_of_study_request,
    close_account,
    decline_year_of_study_request,
    import_members,
    request_year_of_study_correction,
    rollover_year,
    update_profile,
    withdraw_year_of_study_request,
)
from tests.concurrency import all_at_once
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def log(member=None) -> list[tuple]:
    """The log as (email, old, new, source, changed by's email, note), oldest first."""
    changes = YearOfStudyChange.objects.select_related("member", "changed_by").order_by("changed_at", "pk")
    if member is not None:
        changes = changes.filter(member=member)
    return [
        (c.member.email, c.old_year, c.new_year, c.source, c.changed_by.email if c.changed_by else None, c.note)
        for c in changes
    ]


def year_of(member) -> int | None:
    return Member.objects.values_list("year_of_study", flat=True).get(pk=member.pk)


# The profile


def test_member_posting_a_different_year_to_their_profile_keeps_their_year(client, member):
    client.force_login(member)

    response = client.post(
        reverse("members:profile"), {"first_name": "Aisha", "last_name": "Khan", "year_of_study": "5"}
    )

    assert response.status_code == 302
    assert year_of(member) == 2
    assert log() == []


def test_profile_shows_the_year_read_only_with_a_link_to_ask_for_a_correction(client, member):
    client.force_login(member)

    response = client.get(reverse("members:profile"))

    content = response.content.decode()
    assert "year_of_study" not in response.context["form"].fields
    assert 'name="year_of_study"' not in content
    assert '<span data-testid="profile-year">Year 2</span>' in content
    assert f'<a href="{reverse("members:year_request")}" class="ms-1">Ask to correct your year</a>' in content


def test_member_without_a_year_gives_it_once_on_their_profile_and_it_is_logged(client, member):
    Member.objects.filter(pk=member.pk).update(year_of_study=None)
    member.refresh_from_db()
    client.force_login(member)
    assert "year_of_study" in client.get(reverse("members:profile")).context["form"].fields

    client.post(reverse("members:profile"), {"first_name": "Aisha", "last_name": "Khan", "year_of_study": "4"})
    client.post(reverse("members:profile"), {"first_name": "Aisha", "last_name": "Khan", "year_of_study": "6"})

    assert year_of(member) == 4
    assert log() == [("aisha.khan@example.ac.uk", None, 4, YearChangeSource.PROFILE, "aisha.khan@example.ac.uk", "")]


def test_giving_a_first_year_when_one_was_set_meanwhile_is_refused_and_changes_nothing(member):
    stale = Member.objects.get(pk=member.pk)
    stale.year_of_study = None  # the profile page was opened before the import set the year

    with pytest.raises(YearOfStudyRefused):
        update_profile(member=stale, first_name="Aisha", last_name="Renamed", entry_year=None, year_of_study=5)

    member.refresh_from_db()
    assert (member.first_name, member.year_of_study) == ("Aisha", 2)
    assert log() == []


# Asking, approving, declining, withdrawing


def test_request_then_approval_changes_the_year_logs_it_and_tells_the_member(client, member, committee_member):
    client.force_login(member)
    response = client.post(reverse("members:year_request"), {"year_of_study": "3", "reason": "Repeating year 2"})
    assert response.status_code == 302
    year_request = YearOfStudyRequest.objects.get()
    assert (year_request.year_when_asked, year_request.year_of_study, year_request.reason, year_request.state) == (
        2,
        3,
        "Repeating year 2",
        YearRequestState.PENDING,
    )
    assert year_of(member) == 2

    client.force_login(committee_member)
    response = client.post(
        reverse("members:decide_year_request", args=[year_request.pk]), {"decision": "approve", "note": ""}
    )

    assert response.status_code == 302
    assert year_of(member) == 3
    assert log() == [("aisha.khan@example.ac.uk", 2, 3, YearChangeSource.REQUEST, "chloe@example.ac.uk", "")]
    assert YearOfStudyChange.objects.get().request == year_request
    year_request.refresh_from_db()
    assert (year_request.state, year_request.decided_by) == (YearRequestState.APPROVED, committee_member)
    client.force_login(member)
    status = client.get(reverse("members:profile")).content.decode()
    decided_on = timezone.localdate(year_request.decided_at).strftime("%-d %B %Y")
    assert f"your year was corrected to Year 3 on {decided_on}." in status


def test_declining_leaves_the_year_and_shows_the_member_the_committees_note(client, member, committee_member):
    year_request = request_year_of_study_correction(member=member, year=4)
    client.force_login(committee_member)

    client.post(
        reverse("members:decide_year_request", args=[year_request.pk]),
        {"decision": "decline", "note": "The medical school lists you in year 2."},
    )

    assert year_of(member) == 2
    assert log() == []
    year_request.refresh_from_db()
    assert (year_request.state, year_request.decided_by) == (YearRequestState.DECLINED, committee_member)
    client.force_login(member)
    content = client.get(reverse("members:profile")).content.decode()
    assert "the committee declined your request of" in content
    assert "The medical school lists you in year 2." in content


@pytest.mark.parametrize("role", [[], ["teacher"]])
def test_only_the_committee_decides_a_request(client, member, role):
    year_request = request_year_of_study_correction(member=member, year=4)
    client.force_login(MemberFactory(roles=role))

    response = client.post(reverse("members:decide_year_request", args=[year_request.pk]), {"decision": "approve"})
    queue = client.get(reverse("members:year_requests"))

    assert (response.status_code, queue.status_code) == (403, 403)
    assert year_of(member) == 2
    assert YearOfStudyRequest.objects.get().state == YearRequestState.PENDING


def test_a_visitor_is_sent_to_sign_in_and_nothing_is_decided(client, member):
    year_request = request_year_of_study_correction(member=member, year=4)

    response = client.post(reverse("members:decide_year_request", args=[year_request.pk]), {"decision": "approve"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert YearOfStudyRequest.objects.get().state == YearRequestState.PENDING


def test_a_committee_member_cannot_decide_their_own_request(client, committee_member):
    Member.objects.filter(pk=committee_member.pk).update(year_of_study=3)
    committee_member.refresh_from_db()
    year_request = request_year_of_study_correction(member=committee_member, year=5)
    client.force_login(committee_member)

    queue = client.get(reverse("members:year_requests")).content.decode()
    response = client.post(reverse("members:decide_year_request", args=[year_request.pk]), {"decision": "approve"})

    assert "another committee member decides it" in queue
    assert reverse("members:decide_year_request", args=[year_request.pk]) not in queue
    assert response.status_code == 403
    assert year_of(committee_member) == 3


def test_deciding_a_request_that_does_not_exist_is_not_found_for_the_committee(client, committee_member):
    client.force_login(committee_member)
    response = client.post(reverse("members:decide_year_request", args=[999]), {"decision": "approve"})
    assert response.status_code == 404


def test_one_pending_request_per_member(member):
    request_year_of_study_correction(member=member, year=3)

    with pytest.raises(YearOfStudyRefused, match="already asked"):
        request_year_of_study_correction(member=member, year=4)
    with pytest.raises(IntegrityError), transaction.atomic():
        YearOfStudyRequest.objects.create(member=member, year_of_study=5, year_when_asked=2)

    assert list(YearOfStudyRequest.objects.values_list("year_of_study", "state")) == [(3, "pending")]


def test_after_withdrawing_a_member_may_ask_again(client, member):
    request_year_of_study_correction(member=member, year=3)
    client.force_login(member)

    client.post(reverse("members:withdraw_year_request"))
    client.post(reverse("members:year_request"), {"year_of_study": "4", "reason": ""})

    assert list(YearOfStudyRequest.objects.order_by("pk").values_list("year_of_study", "state")) == [
        (3, YearRequestState.WITHDRAWN),
        (4, YearRequestState.PENDING),
    ]
    assert year_of(member) == 2


def test_withdrawing_a_request_the_committee_has_decided_is_refused(member, committee_member):
    year_request = request_year_of_study_correction(member=member, year=3)
    decline_year_of_study_request(year_request=year_request, by=committee_member)

    with pytest.raises(YearOfStudyRefused):
        withdraw_year_of_study_request(member=member)

    assert YearOfStudyRequest.objects.get().state == YearRequestState.DECLINED


def test_the_request_form_does_not_offer_the_year_the_member_is_in(client, member):
    client.force_login(member)

    form = client.get(reverse("members:year_request")).context["form"]

    assert [value for value, _label in form.fields["year_of_study"].choices] == ["", 1, 3, 4, 5, 6]
    with pytest.raises(YearOfStudyRefused, match="already recorded in year 2"):
        request_year_of_study_correction(member=member, year=2)


def test_a_member_without_a_year_is_sent_to_their_profile_instead_of_asking(client, member):
    Member.objects.filter(pk=member.pk).update(year_of_study=None)
    member.refresh_from_db()
    client.force_login(member)

    content = client.get(reverse("members:year_request")).content.decode()

    assert "You have no year of study yet." in content
    with pytest.raises(YearOfStudyRefused):
        request_year_of_study_correction(member=member, year=3)


def test_approving_twice_applies_once(member, committee_member):
    year_request = request_year_of_study_correction(member=member, year=3)
    approve_year_of_study_request(year_request=year_request, by=committee_member)

    with pytest.raises(YearOfStudyRefused, match="no longer waiting"):
        approve_year_of_study_request(year_request=year_request, by=committee_member)

    assert year_of(member) == 3
    assert len(log()) == 1


def test_approving_after_the_rollover_moved_the_member_is_refused(member, committee_member):
    year_request = request_year_of_study_correction(member=member, year=3)
    rollover_year(academic_year=AcademicYear(AcademicYear.current().start_year + 1), force=True)

    with pytest.raises(YearOfStudyRefused, match="changed since they asked"):
        approve_year_of_study_request(year_request=year_request, by=committee_member)

    assert year_of(member) == 3  # by the rollover, not by the request
    assert YearOfStudyRequest.objects.get().state == YearRequestState.PENDING


# The committee's page


def test_the_committee_sees_pending_requests_with_the_members_history(client, member, committee_member):
    import_members(
        data=b"email,first_name,last_name,year_of_study\r\nnew@example.ac.uk,Ned,New,1\r\n", filename="x.csv"
    )
    newcomer = Member.objects.get(email="new@example.ac.uk")
    request_year_of_study_correction(member=newcomer, year=2, reason="I am in year 2")
    decided = request_year_of_study_correction(member=member, year=5)
    decline_year_of_study_request(year_request=decided, by=committee_member)
    client.force_login(committee_member)

    response = client.get(reverse("members:year_requests"))

    content = response.content.decode()
    assert [r.member.email for r in response.context["year_requests"]] == ["new@example.ac.uk"]
    assert "Recorded in Year 1; asks for Year 2." in content
    assert "I am in year 2" in content
    assert "– → Year 1 (Member import, x.csv)" in content


@pytest.mark.parametrize("count", [1, 3])
def test_the_committee_page_takes_the_same_queries_for_1_and_3_requests(
    client, committee_member, django_assert_num_queries, count
):
    for _ in range(count):
        someone = MemberFactory(year_of_study=2)
        import_members(
            data=f"email,first_name,last_name,year_of_study\r\n{someone.email},A,B,3\r\n".encode(),
            filename="x.csv",
            imported_by=committee_member,
        )
        request_year_of_study_correction(member=someone, year=4)
    client.force_login(committee_member)

    # Session, member, the member's groups; the requests with their members; their changes of year.
    with django_assert_num_queries(5):
        response = client.get(reverse("members:year_requests"))

    assert len(response.context["year_requests"]) == count


# Every path that changes a year writes the log


def test_the_import_logs_new_and_changed_years_and_not_unchanged_ones(client, committee_member):
    MemberFactory(email="stays@example.ac.uk", year_of_study=4)
    MemberFactory(email="moves@example.ac.uk", year_of_study=2)
    client.force_login(committee_member)
    rows = [
        "email,first_name,last_name,year_of_study",
        "stays@example.ac.uk,Sam,Stays,4",
        "moves@example.ac.uk,Mo,Moves,3",
        "new@example.ac.uk,Ned,New,1",
    ]
    upload = ("\r\n".join(rows) + "\r\n").encode()

    client.post(reverse("members:import"), {"file": SimpleUploadedFile("term.csv", upload, "text/csv")})

    assert sorted(log()) == [
        ("moves@example.ac.uk", 2, 3, YearChangeSource.IMPORT, "chloe@example.ac.uk", "term.csv"),
        ("new@example.ac.uk", None, 1, YearChangeSource.IMPORT, "chloe@example.ac.uk", "term.csv"),
    ]


def test_the_rollover_logs_each_member_moved_up(db):
    for year in (1, 5, 6):
        MemberFactory(email=f"year{year}@example.ac.uk", year_of_study=year)
    MemberFactory(email="suspended@example.ac.uk", year_of_study=3, is_active=False)
    next_year = AcademicYear(AcademicYear.current().start_year + 1)

    rollover_year(academic_year=next_year, force=True)

    assert sorted(log()) == [
        ("year1@example.ac.uk", 1, 2, YearChangeSource.ROLLOVER, None, next_year.label),
        ("year5@example.ac.uk", 5, 6, YearChangeSource.ROLLOVER, None, next_year.label),
    ]


def test_the_rollover_dry_run_logs_nothing(db):
    MemberFactory(year_of_study=1)
    rollover_year(dry_run=True)
    assert log() == []


@pytest.fixture
def admin_client_(client):
    admin = MemberFactory(email="admin@example.ac.uk", is_staff=True, is_superuser=True, year_of_study=None)
    client.force_login(admin)
    return client


def _admin_form(member, **changes) -> dict:
    data = {
        "email": member.email,
        "first_name": member.first_name,
        "last_name": member.last_name,
        "year_of_study": member.year_of_study or "",
        "initial-year_of_study": member.year_of_study or "",  # the year when the page was opened
        "entry_year": "",
        "is_active": "on",
        "date_joined_0": timezone.localtime(member.date_joined).strftime("%d/%m/%Y"),
        "date_joined_1": timezone.localtime(member.date_joined).strftime("%H:%M:%S"),
        "year_of_study_changes-TOTAL_FORMS": "0",
        "year_of_study_changes-INITIAL_FORMS": "0",
    }
    return data | changes


def test_a_change_of_year_in_the_admin_site_is_logged(admin_client_, member):
    page = admin_client_.get(reverse("admin:members_member_change", args=[member.pk])).content.decode()
    assert 'name="initial-year_of_study" value="2"' in page

    response = admin_client_.post(
        reverse("admin:members_member_change", args=[member.pk]), _admin_form(member, year_of_study="4")
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert year_of(member) == 4
    assert log() == [("aisha.khan@example.ac.uk", 2, 4, YearChangeSource.ADMIN, "admin@example.ac.uk", "")]


def test_saving_other_fields_in_the_admin_site_keeps_a_year_changed_since_the_form_was_opened(
    admin_client_, member, committee_member
):
    form = _admin_form(member, first_name="Aisha-Mae")  # the page as the admin opened it: year 2
    approve_year_of_study_request(
        year_request=request_year_of_study_correction(member=member, year=3), by=committee_member
    )

    response = admin_client_.post(reverse("admin:members_member_change", args=[member.pk]), form)

    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.first_name, member.year_of_study) == ("Aisha-Mae", 3)
    assert [row[1:4] for row in log()] == [(2, 3, YearChangeSource.REQUEST)]


def test_a_member_added_in_the_admin_site_has_their_year_logged(admin_client_):
    admin_client_.post(
        reverse("admin:members_member_add"),
        {
            "email": "added@example.ac.uk",
            "first_name": "Ada",
            "last_name": "Added",
            "year_of_study": "2",
            "usable_password": "false",
            "password1": "",
            "password2": "",
        },
    )

    assert log() == [("added@example.ac.uk", None, 2, YearChangeSource.ADMIN, "admin@example.ac.uk", "")]


def test_the_committee_approves_in_the_admin_site_but_not_their_own_request(client, member, committee_member):
    Member.objects.filter(pk=committee_member.pk).update(is_staff=True, is_superuser=True, year_of_study=4)
    committee_member.refresh_from_db()
    theirs = request_year_of_study_correction(member=member, year=3)
    own = request_year_of_study_correction(member=committee_member, year=5)
    client.force_login(committee_member)

    client.post(
        reverse("admin:members_yearofstudyrequest_changelist"),
        {"action": "approve", "_selected_action": [theirs.pk, own.pk]},
    )

    assert (year_of(member), year_of(committee_member)) == (3, 4)
    assert dict(YearOfStudyRequest.objects.values_list("pk", "state")) == {
        theirs.pk: YearRequestState.APPROVED,
        own.pk: YearRequestState.PENDING,
    }


def test_an_admin_outside_the_committee_cannot_approve_in_the_admin_site(admin_client_, member):
    year_request = request_year_of_study_correction(member=member, year=3)

    admin_client_.post(
        reverse("admin:members_yearofstudyrequest_changelist"),
        {"action": "approve", "_selected_action": [year_request.pk]},
    )

    assert year_of(member) == 2
    assert YearOfStudyRequest.objects.get().state == YearRequestState.PENDING


def test_signing_up_logs_the_year_given(client):
    client.post(
        reverse("account_signup"),
        {
            "email": "new.student@example.ac.uk",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
            "first_name": "Nia",
            "last_name": "Okoye",
            "year_of_study": "1",
            "entry_year": "",
        },
    )

    assert log() == [("new.student@example.ac.uk", None, 1, YearChangeSource.SIGN_UP, "new.student@example.ac.uk", "")]


# Two committee members at once, on real PostgreSQL connections


needs_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (as in CI)")


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_eight_committee_members_approving_at_once_apply_the_request_once():
    member = MemberFactory(year_of_study=2)
    deciders = [MemberFactory(roles=["committee"]) for _ in range(8)]
    year_request = request_year_of_study_correction(member=member, year=3)

    failures = all_at_once(deciders, lambda by: approve_year_of_study_request(year_request=year_request, by=by))

    assert len(failures) == 7
    assert {type(f) for f in failures} == {YearOfStudyRefused}
    assert year_of(member) == 3
    assert YearOfStudyChange.objects.filter(member=member).count() == 1


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_control_without_the_lock_this_harness_sees_a_double_approval():
    member = MemberFactory(year_of_study=2)
    year_request = request_year_of_study_correction(member=member, year=3)

    def unlocked_approve(_):
        # What the approval would be without select_for_update: read, check, pause, write.
        with transaction.atomic():
            state = YearOfStudyRequest.objects.values_list("state", flat=True).get(pk=year_request.pk)
            time.sleep(0.05)
            if state == YearRequestState.PENDING:
                YearOfStudyChange.objects.create(member=member, old_year=2, new_year=3, source="request")
                YearOfStudyRequest.objects.filter(pk=year_request.pk).update(
                    state=YearRequestState.APPROVED, decided_at=timezone.now()
                )

    assert all_at_once(range(8), unlocked_approve) == []
    assert YearOfStudyChange.objects.filter(member=member).count() > 1


# Download my data and closing the account


def test_download_my_data_holds_the_members_changes_of_year_and_requests(member, committee_member):
    year_request = request_year_of_study_correction(member=member, year=3, reason="Repeating")
    approve_year_of_study_request(year_request=year_request, by=committee_member, note="Done")

    document = export_member_data(member=member)

    assert [(c["from_year"], c["to_year"], c["source"]) for c in document["year_of_study_changes"]] == [
        (2, 3, "Request approved")
    ]
    assert [
        (r["year_when_asked"], r["year_asked_for"], r["reason"], r["state"], r["committee_note"])
        for r in document["year_of_study_requests"]
    ] == [(2, 3, "Repeating", "Approved", "Done")]
    assert "chloe" not in str(document).lower()


def test_closing_an_account_removes_its_requests_and_keeps_the_log(member, committee_member):
    approve_year_of_study_request(
        year_request=request_year_of_study_correction(member=member, year=3, reason="Repeating"), by=committee_member
    )
    request_year_of_study_correction(member=member, year=4, reason="Another reason")

    close_account(member=member, by=member)

    assert YearOfStudyRequest.objects.count() == 0
    assert [(c.old_year, c.new_year, c.source) for c in YearOfStudyChange.objects.filter(member=member)] == [
        (2, 3, YearChangeSource.REQUEST)
    ]
