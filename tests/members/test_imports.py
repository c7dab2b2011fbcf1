"""The member import: the service, the `import_members` command and the committee upload page."""

import io
import re
import zipfile
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from members.models import Member
from members.services import MemberImportError, import_members
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

HEADER = "email,first_name,last_name,year_of_study,roles"
IMPORT_URL = "/members/import/"
NEW_PASSWORD = "a-long-unusual-passphrase"


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    """A CSV as Excel's “CSV UTF-8” writes it (CRLF line ends), header first."""
    return ("\r\n".join([header, *rows]) + "\r\n").encode()


def xlsx_file(*rows: tuple) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def import_errors(data: bytes, filename: str = "members.csv") -> list[str]:
    with pytest.raises(MemberImportError) as refused:
        import_members(data=data, filename=filename)
    return [str(error) for error in refused.value.errors]


def members_table() -> list[tuple]:
    """Everything an import writes, so a refused import can be shown to have written nothing."""
    return [
        (m.email, m.first_name, m.last_name, m.year_of_study, m.has_usable_password(), group_names(m))
        for m in Member.objects.order_by("email")
    ]


def group_names(member: Member) -> list[str]:
    return sorted(member.groups.values_list("name", flat=True))


def email_addresses() -> list[tuple]:
    return list(EmailAddress.objects.order_by("email").values_list("user__email", "email", "primary", "verified"))


# --- A valid file ------------------------------------------------------------------------------


def test_import_of_a_valid_csv_creates_members_with_unusable_passwords_unverified_addresses_and_roles():
    result = import_members(
        data=csv_file(
            "Nia.Okoye@Example.AC.UK,Nia,Okoye,1,",
            "sam.patel@example.ac.uk,Sam,Patel,5,teacher;committee",
        ),
        filename="members.csv",
    )

    assert result.summary == "2 created, 0 updated, 0 unchanged."
    assert (result.created, result.updated, result.unchanged, result.invited) == (2, 0, 0, 0)
    assert members_table() == [
        ("nia.okoye@example.ac.uk", "Nia", "Okoye", 1, False, []),
        ("sam.patel@example.ac.uk", "Sam", "Patel", 5, False, ["Committee", "Teachers"]),
    ]
    assert email_addresses() == [
        ("nia.okoye@example.ac.uk", "nia.okoye@example.ac.uk", True, False),
        ("sam.patel@example.ac.uk", "sam.patel@example.ac.uk", True, False),
    ]
    assert Member.objects.get(email="sam.patel@example.ac.uk").password.startswith("!")


def test_import_lists_unknown_columns_as_ignored_and_imports_the_rest():
    result = import_members(
        data=csv_file("nia@example.ac.uk,Nia,Okoye,1,,S123", header=HEADER + ",student_id"), filename="members.csv"
    )

    assert result.ignored_columns == ["student_id"]
    assert members_table() == [("nia@example.ac.uk", "Nia", "Okoye", 1, False, [])]


def test_import_without_a_roles_column_creates_members_without_roles():
    import_members(
        data=csv_file("nia@example.ac.uk,Nia,Okoye,1", header="Email,First_Name,Last_Name,Year_Of_Study"),
        filename="members.csv",
    )

    assert members_table() == [("nia@example.ac.uk", "Nia", "Okoye", 1, False, [])]


# --- Upserts -----------------------------------------------------------------------------------


def test_second_import_of_the_same_file_changes_nothing():
    data = csv_file("nia@example.ac.uk,Nia,Okoye,1,", "sam@example.ac.uk,Sam,Patel,5,teacher;committee")
    import_members(data=data, filename="members.csv")
    before = (members_table(), email_addresses())

    result = import_members(data=data, filename="members.csv")

    assert result.summary == "0 created, 0 updated, 2 unchanged."
    assert (members_table(), email_addresses()) == before


def test_import_matches_an_existing_member_whose_email_differs_in_case_and_updates_them():
    existing = MemberFactory(email="Nia.Okoye@Example.ac.uk", first_name="Nia", last_name="Okoye", year_of_study=1)

    result = import_members(data=csv_file("nia.okoye@example.ac.uk,Nia,Okoye-Smith,2,"), filename="members.csv")

    assert result.summary == "0 created, 1 updated, 0 unchanged."
    existing.refresh_from_db()
    assert Member.objects.get() == existing
    assert (existing.email, existing.last_name, existing.year_of_study) == ("Nia.Okoye@Example.ac.uk", "Okoye-Smith", 2)
    # The member keeps the password and the verified address they had.
    assert existing.has_usable_password() is True
    assert email_addresses() == [("Nia.Okoye@Example.ac.uk", "Nia.Okoye@Example.ac.uk", True, True)]


def test_import_counts_a_changed_name_or_year_as_updated(member):
    other = MemberFactory(email="ben@example.ac.uk", first_name="Ben", last_name="Adeyemi", year_of_study=4)

    result = import_members(
        data=csv_file(
            "aisha.khan@example.ac.uk,Aisha,Khan,3,",  # year 2 -> 3
            "ben@example.ac.uk,Benjamin,Adeyemi,4,",  # first name changed
        ),
        filename="members.csv",
    )

    assert result.summary == "0 created, 2 updated, 0 unchanged."
    member.refresh_from_db()
    other.refresh_from_db()
    assert (member.first_name, member.last_name, member.year_of_study) == ("Aisha", "Khan", 3)
    assert (other.first_name, other.last_name, other.year_of_study) == ("Benjamin", "Adeyemi", 4)


def test_import_adds_listed_roles_and_never_revokes_roles_left_out(teacher, committee_member):
    result = import_members(
        data=csv_file(
            "tom@example.ac.uk,Tom,Okafor,5,committee",  # a teacher who joins the committee
            "chloe@example.ac.uk,Chloe,Chair,3,",  # the committee role is not listed
        ),
        filename="members.csv",
    )

    assert result.summary == "0 created, 1 updated, 1 unchanged."
    assert group_names(teacher) == ["Committee", "Teachers"]
    assert group_names(committee_member) == ["Committee"]


def test_import_listing_a_role_the_member_already_has_counts_as_unchanged(teacher):
    result = import_members(data=csv_file("TOM@example.ac.uk,Tom,Okafor,5,Teacher"), filename="members.csv")

    assert result.summary == "0 created, 0 updated, 1 unchanged."
    assert group_names(teacher) == ["Teachers"]


# --- File formats ------------------------------------------------------------------------------


def test_import_reads_utf8_with_a_byte_order_mark():
    data = b"\xef\xbb\xbf" + csv_file("zoe@example.ac.uk,Zoë,Müller,2,")

    result = import_members(data=data, filename="members.csv")

    assert result.summary == "1 created, 0 updated, 0 unchanged."
    assert members_table() == [("zoe@example.ac.uk", "Zoë", "Müller", 2, False, [])]


def test_import_reads_a_tab_separated_file_with_commas_inside_cells():
    data = "email\tfirst_name\tlast_name\tyear_of_study\troles\nsam@example.ac.uk\tSam\tPatel, Jr\t5\tteacher\n"

    import_members(data=data.encode(), filename="members.txt")

    assert members_table() == [("sam@example.ac.uk", "Sam", "Patel, Jr", 5, False, ["Teachers"])]


def test_import_reads_several_roles_separated_by_semicolons_in_one_cell():
    import_members(
        data=csv_file(
            "sam@example.ac.uk,Sam,Patel,5, Teacher ; COMMITTEE ",
            "nia@example.ac.uk,Nia,Okoye,4,committee;",
        ),
        filename="members.csv",
    )

    assert [(email, roles) for email, *_, roles in members_table()] == [
        ("nia@example.ac.uk", ["Committee"]),
        ("sam@example.ac.uk", ["Committee", "Teachers"]),
    ]


def test_import_ignores_blank_rows_at_the_end():
    data = csv_file("nia@example.ac.uk,Nia,Okoye,1,", "sam@example.ac.uk,Sam,Patel,5,", "", ",,,,", "  ,  ,,,", "")

    result = import_members(data=data, filename="members.csv")

    assert result.summary == "2 created, 0 updated, 0 unchanged."


def test_import_reads_an_xlsx_workbook_with_numbers_stored_as_ints_and_floats():
    data = xlsx_file(
        ("email", "first_name", "last_name", "year_of_study", "roles"),
        ("nia@example.ac.uk", "Nia", "Okoye", 3, None),
        ("sam@example.ac.uk", "Sam", "Patel", 5.0, "teacher;committee"),
    )

    result = import_members(data=data, filename="Members.XLSX")

    assert result.summary == "2 created, 0 updated, 0 unchanged."
    assert members_table() == [
        ("nia@example.ac.uk", "Nia", "Okoye", 3, False, []),
        ("sam@example.ac.uk", "Sam", "Patel", 5, False, ["Committee", "Teachers"]),
    ]


def test_import_of_an_xlsx_reports_rows_as_the_spreadsheet_numbers_them_across_blank_rows():
    data = xlsx_file(
        ("email", "first_name", "last_name", "year_of_study"),
        ("nia@example.ac.uk", "Nia", "Okoye", 3),
        (None, None, None, None),
        ("sam@example.ac.uk", "Sam", "Patel", 3.5),
    )

    assert import_errors(data, filename="members.xlsx") == [
        "Row 4: year of study “3.5” is not a whole number from 1 to 6."
    ]
    assert Member.objects.count() == 0


def test_import_of_a_file_that_is_not_utf8_gives_a_file_level_error():
    data = "email,first_name,last_name,year_of_study\r\nzoe@example.ac.uk,Zoë,Müller,2\r\n".encode("cp1252")

    assert import_errors(data) == ["The file is not UTF-8 text. Save it as “CSV UTF-8” and try again."]
    assert Member.objects.count() == 0


def test_import_of_a_file_named_xlsx_that_is_not_a_workbook_gives_a_file_level_error():
    assert import_errors(csv_file("nia@example.ac.uk,Nia,Okoye,1,"), filename="members.xlsx") == [
        "The file could not be read as an Excel workbook (.xlsx)."
    ]


# --- Bad rows: nothing is written --------------------------------------------------------------

# Row 2 is new, row 4 would update the `member` fixture (year 2 -> 3, add a role), row 5 is new: a bad
# row 3 must stop all of them.
VALID_ROW_2 = "ben@example.ac.uk,Ben,Adeyemi,1,"
VALID_ROW_4 = "aisha.khan@example.ac.uk,Aisha,Khan,3,teacher"
VALID_ROW_5 = "cara@example.ac.uk,Cara,Nwosu,4,committee"


@pytest.fixture
def table_before(member):
    return members_table(), email_addresses()


@pytest.mark.parametrize(
    ("bad_row", "error"),
    [
        pytest.param(",Dan,Evans,2,", "Row 3: the email address is missing.", id="missing-email"),
        pytest.param(
            "dan.evans.example.ac.uk,Dan,Evans,2,",
            "Row 3: “dan.evans.example.ac.uk” is not a valid email address.",
            id="malformed-email",
        ),
        pytest.param(
            "dan@gmail.com,Dan,Evans,2,",
            "Row 3: “dan@gmail.com” is not at an allowed domain (example.ac.uk).",
            id="other-domain",
        ),
        pytest.param(
            "dan@evil-example.ac.uk,Dan,Evans,2,",
            "Row 3: “dan@evil-example.ac.uk” is not at an allowed domain (example.ac.uk).",
            id="lookalike-domain",
        ),
        pytest.param(
            "dan@example.ac.uk,Dan,Evans,0,", "Row 3: year of study “0” is not a whole number from 1 to 6.", id="year-0"
        ),
        pytest.param(
            "dan@example.ac.uk,Dan,Evans,7,", "Row 3: year of study “7” is not a whole number from 1 to 6.", id="year-7"
        ),
        pytest.param(
            "dan@example.ac.uk,Dan,Evans,two,",
            "Row 3: year of study “two” is not a whole number from 1 to 6.",
            id="year-two",
        ),
        pytest.param("dan@example.ac.uk,Dan,Evans,,", "Row 3: the year of study is missing.", id="year-blank"),
        pytest.param("dan@example.ac.uk,,Evans,2,", "Row 3: the first name is missing.", id="first-name-blank"),
        pytest.param("dan@example.ac.uk,Dan,,2,", "Row 3: the last name is missing.", id="last-name-blank"),
        pytest.param(
            "dan@example.ac.uk,Dan,Evans,2,teacher;tutor",
            "Row 3: unknown role “tutor” (use teacher or committee, separated by ;).",
            id="unknown-role",
        ),
        pytest.param(
            f"{'d' * 241}@example.ac.uk,Dan,Evans,2,",
            "Row 3: the email address is longer than 254 characters.",
            id="email-longer-than-the-column",
        ),
        pytest.param(
            "dan@example.ac.uk,D\x00an,Evans,2,",
            "Row 3: column B (first_name) contains an invisible control character (U+0000), which is not allowed.",
            id="nul-in-a-name",
        ),
        pytest.param(
            "dan@example.ac.uk\x00,Dan,Ev\x1bans,2,",
            "Row 3: column A (email) contains an invisible control character (U+0000), which is not allowed; "
            "column C (last_name) contains an invisible control character (U+001B), which is not allowed.",
            id="control-characters-in-two-cells",
        ),
    ],
)
def test_import_with_a_bad_row_reports_its_row_number_and_writes_nothing(table_before, bad_row, error):
    data = csv_file(VALID_ROW_2, bad_row, VALID_ROW_4, VALID_ROW_5)

    assert import_errors(data) == [error]
    assert (members_table(), email_addresses()) == table_before


def test_import_with_duplicate_email_reports_later_row_and_writes_nothing(table_before):
    data = csv_file(VALID_ROW_2, VALID_ROW_4, "Ben@Example.ac.uk,Benjamin,Adeyemi,2,", VALID_ROW_5)

    assert import_errors(data) == ["Row 4: “Ben@Example.ac.uk” already appears in row 2."]
    assert (members_table(), email_addresses()) == table_before


def test_import_with_several_bad_rows_reports_every_one_and_every_problem_of_a_row(table_before):
    data = csv_file(
        VALID_ROW_2,
        ",,Evans,9,",
        VALID_ROW_4,
        "dan@gmail.com,Dan,Evans,2,admin",
        "",
        "ben@example.ac.uk,Ben,Adeyemi,1,",
        VALID_ROW_5,
    )

    assert import_errors(data) == [
        "Row 3: the email address is missing; the first name is missing; "
        "year of study “9” is not a whole number from 1 to 6.",
        "Row 5: “dan@gmail.com” is not at an allowed domain (example.ac.uk); "
        "unknown role “admin” (use teacher or committee, separated by ;).",
        "Row 7: “ben@example.ac.uk” already appears in row 2.",
    ]
    assert (members_table(), email_addresses()) == table_before


def test_import_with_a_header_missing_a_required_column_is_refused(table_before):
    data = csv_file("ben@example.ac.uk,Ben,1", header="email,first_name,year_of_study")

    assert import_errors(data) == [
        "Row 1: the header is missing the column(s) last_name; "
        "it must contain email,first_name,last_name,year_of_study."
    ]
    assert (members_table(), email_addresses()) == table_before


def test_import_with_a_header_repeating_a_column_is_refused(table_before):
    data = csv_file("ben@example.ac.uk,Ben,Adeyemi,1,2", header="email,first_name,last_name,year_of_study,Email")

    assert import_errors(data) == ["Row 1: the header repeats the column(s) email."]
    assert (members_table(), email_addresses()) == table_before


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n\r\n"], ids=["empty", "bom-only", "blank-lines"])
def test_import_of_an_empty_file_asks_for_a_header_row(data):
    assert import_errors(data) == ["The file is empty: it needs a header row."]


def test_import_of_a_header_without_members_is_refused():
    assert import_errors(csv_file()) == ["The file has a header but no members."]


# --- The command -------------------------------------------------------------------------------


def run_import_command(path, *args) -> tuple[str, str]:
    stdout, stderr = StringIO(), StringIO()
    call_command("import_members", str(path), *args, stdout=stdout, stderr=stderr, no_color=True)
    return stdout.getvalue(), stderr.getvalue()


def test_import_command_with_a_bad_file_writes_every_bad_row_to_stderr_and_fails(tmp_path, table_before):
    path = tmp_path / "members.csv"
    path.write_bytes(csv_file(VALID_ROW_2, "dan@example.ac.uk,Dan,Evans,7,", VALID_ROW_4, ",Eve,Ng,1,"))
    stderr = StringIO()

    with pytest.raises(CommandError, match=r"^members\.csv: nothing imported \(2 problem\(s\)\)\.$"):
        call_command("import_members", str(path), stdout=StringIO(), stderr=stderr, no_color=True)

    assert stderr.getvalue() == (
        "Row 3: year of study “7” is not a whole number from 1 to 6.\nRow 5: the email address is missing.\n"
    )
    assert (members_table(), email_addresses()) == table_before


def test_import_command_prints_the_summary_and_ignored_columns(tmp_path):
    path = tmp_path / "members.csv"
    path.write_bytes(
        csv_file("nia@example.ac.uk,Nia,Okoye,1,,S1", "sam@example.ac.uk,Sam,Patel,5,teacher,S2", header=HEADER + ",id")
    )

    stdout, stderr = run_import_command(path)

    assert stdout == "Columns ignored: id.\n2 created, 0 updated, 0 unchanged.\n"
    assert stderr == ""
    assert [email for email, *_ in members_table()] == ["nia@example.ac.uk", "sam@example.ac.uk"]


def test_import_command_with_a_missing_file_fails_with_the_reason(tmp_path):
    path = tmp_path / "missing.csv"

    with pytest.raises(CommandError) as failed:
        run_import_command(path)

    assert str(failed.value) == f"Cannot read {path}: No such file or directory."


def test_import_command_without_invite_sends_no_mail(tmp_path, mailoutbox, django_capture_on_commit_callbacks):
    path = tmp_path / "members.csv"
    path.write_bytes(csv_file("nia@example.ac.uk,Nia,Okoye,1,"))

    with django_capture_on_commit_callbacks(execute=True):
        run_import_command(path)

    assert mailoutbox == []


SET_PASSWORD_LINK = re.compile(r"https://meded\.example\.ac\.uk(/accounts/password/reset/key/[0-9a-z]+-[^\s/]+/)")


# The invitations are queued on commit: these tests commit for real (tests/conftest.py puts the role
# groups, migration data, back after an earlier transactional test's flush).
@pytest.mark.django_db(transaction=True)
def test_import_command_with_invite_mails_each_new_member_a_link_that_lets_them_set_a_password(
    tmp_path, mailoutbox, client
):
    path = tmp_path / "members.csv"
    path.write_bytes(csv_file("Nia@example.ac.uk,Nia,Okoye,1,", "sam@example.ac.uk,Sam,Patel,5,teacher"))

    stdout, _ = run_import_command(path, "--invite")

    assert stdout == "2 created, 0 updated, 0 unchanged. 2 invitations to set a password are being sent.\n"
    assert sorted(message.to[0] for message in mailoutbox) == ["nia@example.ac.uk", "sam@example.ac.uk"]
    message = next(m for m in mailoutbox if m.to == ["nia@example.ac.uk"])
    assert message.subject == "[MedEd] Set your password to join"
    assert message.body.startswith("Hello Nia,\n")
    link_path = SET_PASSWORD_LINK.search(message.body)[1]
    assert f'href="https://meded.example.ac.uk{link_path}"' in message.alternatives[0].content

    response = client.get(link_path)
    uidb36 = re.search(r"/key/([0-9a-z]+)-", link_path)[1]
    assert response.status_code == 302
    # allauth moves the key into the session so it cannot leak through the Referer header.
    assert response["Location"] == f"/accounts/password/reset/key/{uidb36}-set-password/"
    response = client.post(response["Location"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    # Following the mailed link proved the address: the member is signed in, with no second email.
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("members:profile")).status_code == 200

    nia = Member.objects.get(email="nia@example.ac.uk")
    assert nia.has_usable_password() is True
    assert nia.check_password(NEW_PASSWORD) is True
    assert EmailAddress.objects.get(user=nia).verified is True
    assert Member.objects.get(email="sam@example.ac.uk").has_usable_password() is False
    assert EmailAddress.objects.get(email="sam@example.ac.uk").verified is False


@pytest.mark.django_db(transaction=True)
def test_import_command_with_invite_skips_members_who_already_have_a_password(tmp_path, mailoutbox):
    MemberFactory(email="has.password@example.ac.uk", first_name="Hal", last_name="Pass", year_of_study=2)
    no_password = MemberFactory(email="no.password@example.ac.uk", first_name="Nora", last_name="Pass", year_of_study=2)
    no_password.set_unusable_password()
    no_password.save()
    path = tmp_path / "members.csv"
    path.write_bytes(
        csv_file(
            "has.password@example.ac.uk,Hal,Pass,2,",
            "no.password@example.ac.uk,Nora,Pass,2,",
            "new@example.ac.uk,Ned,New,1,",
        )
    )

    stdout, _ = run_import_command(path, "--invite")

    assert stdout == "1 created, 0 updated, 2 unchanged. 2 invitations to set a password are being sent.\n"
    assert sorted(message.to[0] for message in mailoutbox) == ["new@example.ac.uk", "no.password@example.ac.uk"]


# --- The upload page ---------------------------------------------------------------------------


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


VALID_UPLOAD = csv_file("nia@example.ac.uk,Nia,Okoye,1,", "sam@example.ac.uk,Sam,Patel,5,teacher")


def test_import_page_sends_anonymous_visitors_to_sign_in(client):
    response = client.post(IMPORT_URL, {"file": upload("members.csv", VALID_UPLOAD)})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/members/import/"
    assert Member.objects.count() == 0


@pytest.mark.parametrize("who", ["member", "teacher"])
def test_import_page_is_forbidden_to_members_outside_the_committee(client, request, who):
    user = request.getfixturevalue(who)
    client.force_login(user)

    assert client.get(IMPORT_URL).status_code == 403
    response = client.post(IMPORT_URL, {"file": upload("members.csv", VALID_UPLOAD)})

    assert response.status_code == 403
    assert list(Member.objects.values_list("email", flat=True)) == [user.email]


def test_import_page_for_the_committee_shows_the_form_and_the_allowed_domain(client, committee_member):
    client.force_login(committee_member)

    response = client.get(IMPORT_URL)

    assert response.status_code == 200
    assert list(response.context["form"].fields) == ["file", "invite"]
    assert "Addresses must end in @example.ac.uk." in response.content.decode()


def test_import_page_upload_by_the_committee_imports_and_shows_the_summary(client, committee_member):
    client.force_login(committee_member)

    response = client.post(IMPORT_URL, {"file": upload("members.csv", VALID_UPLOAD)}, follow=True)

    assert response.redirect_chain == [(IMPORT_URL, 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Imported members.csv: 2 created, 0 updated, 0 unchanged."
    ]
    assert "Imported members.csv: 2 created, 0 updated, 0 unchanged." in response.content.decode()
    assert members_table() == [
        ("chloe@example.ac.uk", "Chloe", "Chair", 3, True, ["Committee"]),
        ("nia@example.ac.uk", "Nia", "Okoye", 1, False, []),
        ("sam@example.ac.uk", "Sam", "Patel", 5, False, ["Teachers"]),
    ]


def test_import_page_upload_of_an_xlsx_imports_it(client, committee_member):
    client.force_login(committee_member)
    data = xlsx_file(("email", "first_name", "last_name", "year_of_study"), ("nia@example.ac.uk", "Nia", "Okoye", 2))

    response = client.post(IMPORT_URL, {"file": upload("members.xlsx", data)}, follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "Imported members.xlsx: 1 created, 0 updated, 0 unchanged."
    ]
    assert Member.objects.get(email="nia@example.ac.uk").year_of_study == 2


def test_import_page_tells_the_committee_which_columns_were_ignored(client, committee_member):
    client.force_login(committee_member)
    data = csv_file("nia@example.ac.uk,Nia,Okoye,1,,x", header=HEADER + ",notes")

    response = client.post(IMPORT_URL, {"file": upload("members.csv", data)}, follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "Imported members.csv: 1 created, 0 updated, 0 unchanged.",
        "Columns ignored: notes.",
    ]


def test_import_page_with_a_bad_file_lists_every_row_error_and_writes_nothing(client, committee_member):
    client.force_login(committee_member)
    data = csv_file("nia@example.ac.uk,Nia,Okoye,1,", "sam@gmail.com,Sam,Patel,5,", "nia@example.ac.uk,Nia,Okoye,0,")
    before = members_table()

    response = client.post(IMPORT_URL, {"file": upload("members.csv", data)})

    assert response.status_code == 200
    errors = [str(error) for error in response.context["import_errors"]]
    assert errors == [
        "Row 3: “sam@gmail.com” is not at an allowed domain (example.ac.uk).",
        "Row 4: “nia@example.ac.uk” already appears in row 2; year of study “0” is not a whole number from 1 to 6.",
    ]
    content = response.content.decode()
    assert "Nothing was imported from members.csv: 2 problems to fix." in content
    for error in errors:
        assert f"<li>{error}</li>" in content
    assert members_table() == before


def test_import_page_refuses_a_file_over_the_size_limit(client, committee_member, settings):
    settings.MEMBER_IMPORT_MAX_BYTES = 1024 * 1024
    client.force_login(committee_member)
    data = VALID_UPLOAD + b"\r\n" * (512 * 1024)  # valid, but one MiB and a bit

    response = client.post(IMPORT_URL, {"file": upload("members.csv", data)})

    assert response.status_code == 200
    assert response.context["form"].errors == {"file": ["The file is larger than 1.0\xa0MB."]}
    assert Member.objects.count() == 1


def test_import_page_refuses_a_file_with_another_extension(client, committee_member):
    client.force_login(committee_member)

    response = client.post(IMPORT_URL, {"file": upload("members.pdf", VALID_UPLOAD)})

    assert response.status_code == 200
    assert response.context["form"].errors == {"file": ["Upload a .csv or .xlsx file."]}
    assert "Upload a .csv or .xlsx file." in response.content.decode()
    assert Member.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_import_page_with_invite_ticked_mails_the_new_members(client, mailoutbox):
    chair = MemberFactory(email="chloe@example.ac.uk", roles=["committee"])
    client.force_login(chair)

    response = client.post(IMPORT_URL, {"file": upload("members.csv", VALID_UPLOAD), "invite": "on"}, follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "Imported members.csv: 2 created, 0 updated, 0 unchanged. 2 invitations to set a password are being sent."
    ]
    assert sorted(message.to[0] for message in mailoutbox) == ["nia@example.ac.uk", "sam@example.ac.uk"]


# --- Queries -----------------------------------------------------------------------------------


def roster(start: int, count: int, *, year: int = 2, roles: str = "teacher") -> bytes:
    rows = (f"student{n}@example.ac.uk,Student,Number{n},{year},{roles}" for n in range(start, start + count))
    return csv_file(*rows)


# Savepoint and release, the two role groups, the existing members, their groups; when members
# changed, one bulk UPDATE of their fields, one bulk INSERT of the roles they gained and one of
# the log of their changes of year.
UNCHANGED_QUERIES = 6
UPDATED_QUERIES = 9


def test_reimporting_unchanged_members_takes_the_same_queries_for_1_and_20(django_assert_max_num_queries):
    one, twenty = roster(0, 1), roster(100, 20)
    import_members(data=one, filename="one.csv")
    import_members(data=twenty, filename="twenty.csv")

    with django_assert_max_num_queries(UNCHANGED_QUERIES) as at_one:
        assert import_members(data=one, filename="one.csv").unchanged == 1
    with django_assert_max_num_queries(UNCHANGED_QUERIES) as at_twenty:
        assert import_members(data=twenty, filename="twenty.csv").unchanged == 20

    assert len(at_one.captured_queries) == len(at_twenty.captured_queries)


def test_updating_members_takes_the_same_queries_for_1_and_20(django_assert_max_num_queries):
    both = "teacher;committee"
    import_members(data=roster(0, 1), filename="one.csv")
    import_members(data=roster(100, 20), filename="twenty.csv")

    with django_assert_max_num_queries(UPDATED_QUERIES) as at_one:
        assert import_members(data=roster(0, 1, year=3, roles=both), filename="one.csv").updated == 1
    with django_assert_max_num_queries(UPDATED_QUERIES) as at_twenty:
        assert import_members(data=roster(100, 20, year=3, roles=both), filename="twenty.csv").updated == 20

    assert len(at_one.captured_queries) == len(at_twenty.captured_queries)
    assert set(Member.objects.values_list("year_of_study", flat=True)) == {3}
    assert Member.objects.filter(groups__name="Committee").count() == 21


def test_creating_members_takes_at_most_one_more_query_per_member(django_assert_max_num_queries):
    # Creation saves member by member by design (see import_members); this bounds it to that.
    with django_assert_max_num_queries(100) as at_one:
        import_members(data=roster(0, 1), filename="one.csv")
    with django_assert_max_num_queries(100) as at_twenty:
        import_members(data=roster(100, 20), filename="twenty.csv")

    assert len(at_twenty.captured_queries) <= len(at_one.captured_queries) + 19


# --- Awkward files seen in the wild ---------------------------------------------------------------


def test_import_keeps_a_name_with_quotes_escaped_the_way_excel_writes_them():
    data = csv_file('bob@example.ac.uk,"Robert ""Bob""",Smith,2,')

    import_members(data=data, filename="members.csv")

    assert Member.objects.get().first_name == 'Robert "Bob"'


def test_import_reads_a_csv_with_old_mac_line_endings():
    data = b"email,first_name,last_name,year_of_study\rnia@example.ac.uk,Nia,Okoye,1\rsam@example.ac.uk,Sam,Patel,5\r"

    result = import_members(data=data, filename="members.csv")

    assert result.summary == "2 created, 0 updated, 0 unchanged."


def test_import_with_an_unclosed_quote_before_a_long_tail_is_refused_not_crashed():
    rows = [f"student{n}@example.ac.uk,Student,Number{n},2," for n in range(3000)]
    data = csv_file('nia@example.ac.uk,"Nia,Okoye,1,', *rows)

    with pytest.raises(MemberImportError):
        import_members(data=data, filename="members.csv")

    assert Member.objects.count() == 0


def test_import_with_a_name_longer_than_the_column_reports_the_row():
    data = csv_file(VALID_ROW_2, f"nia@example.ac.uk,{'N' * 151},Okoye,1,")

    with pytest.raises(MemberImportError) as refused:
        import_members(data=data, filename="members.csv")

    assert [error.row_number for error in refused.value.errors] == [3]
    assert Member.objects.count() == 0


def test_import_keeps_a_tab_and_a_line_break_inside_a_cell():
    data = csv_file('bob@example.ac.uk,"Robert\tJames","Smith\r\nJones",2,')

    import_members(data=data, filename="members.csv")

    assert (Member.objects.get().first_name, Member.objects.get().last_name) == ("Robert\tJames", "Smith\r\nJones")


def test_import_with_a_control_character_in_the_header_names_the_column_by_its_letter(table_before):
    data = csv_file(VALID_ROW_2, header="email,first_name,last_name,year_of_study,ro\x00les")

    assert import_errors(data) == [
        "Row 1: column E contains an invisible control character (U+0000), which is not allowed."
    ]
    assert (members_table(), email_addresses()) == table_before


def test_import_of_a_zip_that_is_not_a_workbook_gives_the_file_level_error():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<not xml")

    assert import_errors(buffer.getvalue(), filename="members.xlsx") == [
        "The file could not be read as an Excel workbook (.xlsx)."
    ]


def test_import_of_a_file_with_too_many_rows_is_refused_before_validation(monkeypatch):
    monkeypatch.setattr("meded.spreadsheets.MAX_ROWS", 3)
    data = csv_file(*(f"m{n}@example.ac.uk,M,N,1," for n in range(4)))

    assert import_errors(data) == ["The file has more than 3 rows; split it into smaller files."]
    assert Member.objects.count() == 0


def test_import_of_a_workbook_that_unpacks_too_large_is_refused_unread(monkeypatch):
    monkeypatch.setattr("meded.spreadsheets.XLSX_MAX_UNCOMPRESSED_BYTES", 1000)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", "a" * 5000)

    assert import_errors(buffer.getvalue(), filename="members.xlsx") == [
        "The workbook is too large to read; save the member list on its own."
    ]
