import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from events.models import Material
from events.services import cancel_session, complete_ended_sessions
from teachers.services import add_to_roster
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _upload(client, session, **data):
    return client.post(reverse("events:add_material", args=[session.pk]), data, follow=True)


def test_teacher_uploads_a_file_that_their_co_teacher_downloads(client, session, lead, settings):
    co = MemberFactory(roles=["teacher"], year_of_study=6)
    add_to_roster(session=session, teacher=co)
    client.force_login(lead)

    response = _upload(client, session, title="Slides", file=SimpleUploadedFile("renal.pdf", b"%PDF-1.4 renal"))

    assert "“Slides” has been added to the materials." in response.content.decode()
    material = Material.objects.get()
    assert material.file.name.startswith(f"materials/{session.pk}/")
    client.force_login(co)
    download = client.get(reverse("events:material", args=[material.pk]))
    assert b"".join(download.streaming_content) == b"%PDF-1.4 renal"
    assert download["Content-Disposition"] == 'attachment; filename="renal.pdf"'


def test_a_link_material_redirects_to_the_link(client, session, lead):
    client.force_login(lead)
    _upload(client, session, title="Question bank", url="https://quiz.example.ac.uk/renal")
    response = client.get(reverse("events:material", args=[Material.objects.get().pk]))
    assert (response.status_code, response["Location"]) == (302, "https://quiz.example.ac.uk/renal")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "Both", "url": "https://x.example", "file": ("a.pdf", b"%PDF")}, "one of the two"),
        ({"title": "Neither"}, "Attach a file or give a link (one of the two)."),
        ({"title": "Script", "file": ("evil.exe", b"MZ")}, "File extension “exe” is not allowed."),
    ],
)
def test_bad_materials_are_refused_with_a_message(client, session, lead, data, message):
    client.force_login(lead)
    if "file" in data:
        name, content = data["file"]
        data = {**data, "file": SimpleUploadedFile(name, content)}
    response = _upload(client, session, **data)
    assert message in response.content.decode()
    assert Material.objects.count() == 0


def test_a_file_over_the_limit_is_refused(client, session, lead, settings):
    settings.MATERIAL_MAX_BYTES = 10
    client.force_login(lead)
    response = _upload(client, session, title="Big", file=SimpleUploadedFile("big.pdf", b"x" * 11))
    assert "The file is larger than 10\xa0bytes." in response.content.decode()
    assert Material.objects.count() == 0


def test_an_attendee_cannot_see_add_or_download_materials_yet(client, session, lead):
    client.force_login(lead)
    _upload(client, session, title="Slides", file=SimpleUploadedFile("s.pdf", b"%PDF"))
    material = Material.objects.get()
    client.force_login(MemberFactory(year_of_study=2))

    page = client.get(reverse("events:detail", args=[session.pk])).content.decode()
    assert "Materials are shared with registered attendees." in page
    assert "Slides" not in page
    assert client.get(reverse("events:material", args=[material.pk])).status_code == 404
    response = client.post(
        reverse("events:add_material", args=[session.pk]), {"title": "X", "url": "https://x.example"}
    )
    assert response.status_code == 403
    assert Material.objects.count() == 1


def test_removing_a_material_deletes_its_file(client, session, lead, django_capture_on_commit_callbacks):
    client.force_login(lead)
    _upload(client, session, title="Slides", file=SimpleUploadedFile("s.pdf", b"%PDF"))
    material = Material.objects.get()
    storage, name = material.file.storage, material.file.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("events:delete_material", args=[material.pk]))
    assert Material.objects.count() == 0
    assert storage.exists(name) is False


def test_recording_link_can_be_added_after_the_session_and_not_when_cancelled(client, session, lead):
    session.ends_at = timezone.now() - dt.timedelta(minutes=1)
    session.starts_at = session.ends_at - dt.timedelta(hours=1)
    session.save()
    complete_ended_sessions()
    client.force_login(lead)

    response = client.post(
        reverse("events:recording", args=[session.pk]), {"recording_url": "https://stream.example/v/1"}, follow=True
    )

    assert "The recording link has been saved." in response.content.decode()
    session.refresh_from_db()
    assert (session.status, session.recording_url) == ("completed", "https://stream.example/v/1")
    assert 'href="https://stream.example/v/1"' in response.content.decode()


def test_no_materials_on_a_cancelled_session(client, session, lead):
    cancel_session(session=session, by=lead, reason="Ill")
    client.force_login(lead)
    response = client.post(reverse("events:recording", args=[session.pk]), {"recording_url": "https://s.example/1"})
    assert response.status_code == 403
