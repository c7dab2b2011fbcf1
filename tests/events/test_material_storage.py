"""The material download view with storages other than the filesystem: it checks the member may
see the session's materials first, then streams the file (a storage without signed links, here
Django's in-memory one) or sends them to a link signed for a minute (S3-compatible object storage,
signed locally: no server is reached)."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage, storages
from django.urls import reverse

from attendance.services import register
from events.models import Material
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

IN_MEMORY = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MINIO = {
    "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "meded-media",
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 60,
            "file_overwrite": False,
            "signature_version": "s3v4",
            "endpoint_url": "http://minio.internal:9000",
            "region_name": "eu-west-2",
            "access_key": "meded",
            "secret_key": "not-a-real-secret",
            "addressing_style": "path",
        },
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@pytest.fixture
def attendee(session):
    member = MemberFactory(year_of_study=2)
    register(session=session, member=member)
    return member


def _download(client, material):
    return client.get(reverse("events:material", args=[material.pk]))


def test_an_in_memory_file_is_streamed_to_a_registered_attendee_and_to_nobody_else(
    client, settings, session, lead, attendee
):
    settings.STORAGES = IN_MEMORY
    settings.MEDIA_SIGNED_URLS = False
    material = Material(session=session, title="Slides", uploaded_by=lead)
    material.file.save("renal.pdf", ContentFile(b"%PDF-1.4 renal"))
    assert isinstance(storages["default"], InMemoryStorage)
    assert not (settings.MEDIA_ROOT / material.file.name).exists()

    client.force_login(MemberFactory(year_of_study=2))  # the right year, not registered
    assert _download(client, material).status_code == 404
    client.force_login(MemberFactory(year_of_study=4))  # another year
    assert _download(client, material).status_code == 404
    client.logout()
    assert _download(client, material).status_code == 302  # to sign in

    client.force_login(attendee)
    response = _download(client, material)
    assert b"".join(response.streaming_content) == b"%PDF-1.4 renal"
    assert response["Content-Disposition"] == f'attachment; filename="{material.file.name.rsplit("/", 1)[-1]}"'


def test_an_object_storage_file_is_a_short_lived_signed_link_after_the_check(client, settings, session, lead, attendee):
    settings.STORAGES = MINIO
    settings.MEDIA_SIGNED_URLS = True
    settings.MEDIA_URL_EXPIRY = 60
    # The row names a file already in the bucket: nothing is uploaded, no server is reached.
    material = Material.objects.create(session=session, title="Slides", uploaded_by=lead, file="materials/9/renal.pdf")

    client.force_login(MemberFactory(year_of_study=2))
    refused = _download(client, material)
    assert refused.status_code == 404
    assert "minio.internal" not in refused.content.decode()

    client.force_login(attendee)
    response = _download(client, material)
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    url = urlsplit(response["Location"])
    query = parse_qs(url.query)
    assert (url.scheme, url.netloc, url.path) == ("http", "minio.internal:9000", "/meded-media/materials/9/renal.pdf")
    assert query["X-Amz-Expires"] == ["60"]
    assert "X-Amz-Signature" in query
    assert query["response-content-disposition"] == ['attachment; filename="renal.pdf"']
