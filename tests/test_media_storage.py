"""Where uploads are kept, chosen by MEDIA_STORAGE and read in fresh processes: the filesystem by
default, or a private S3-compatible bucket whose links are signed and short-lived."""

import json
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

from tests.test_settings import ROOT, _env

PRINT = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "from django.core.files.storage import storages; d = storages['default']; "
    "print(json.dumps({'default': s.STORAGES['default'], 'signed': s.MEDIA_SIGNED_URLS, 'class': type(d).__name__, "
    "'url': d.url('materials/7/renal.pdf') if s.MEDIA_SIGNED_URLS else ''}))"
)
MINIO = {
    "MEDIA_STORAGE": "s3",
    "AWS_STORAGE_BUCKET_NAME": "meded-media",
    "AWS_S3_ENDPOINT_URL": "http://minio.internal:9000",
    "AWS_S3_REGION_NAME": "eu-west-2",
    "AWS_ACCESS_KEY_ID": "meded",
    "AWS_SECRET_ACCESS_KEY": "not-a-real-secret",
    "AWS_S3_ADDRESSING_STYLE": "path",
}


def _storage(**env):
    return subprocess.run(
        [sys.executable, "-c", PRINT], cwd=ROOT, env=_env(**env), capture_output=True, text=True, timeout=60
    )


def test_uploads_stay_on_the_filesystem_by_default():
    result = _storage()
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "signed": False,
        "class": "FileSystemStorage",
        "url": "",
    }


def test_s3_storage_is_a_private_bucket_with_links_signed_for_a_minute():
    result = _storage(**MINIO)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["default"] == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "meded-media",
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 60,
            "file_overwrite": False,
            "signature_version": "s3v4",
            "location": "",
            "endpoint_url": "http://minio.internal:9000",
            "region_name": "eu-west-2",
            "access_key": "meded",
            "secret_key": "not-a-real-secret",
            "addressing_style": "path",
        },
    }
    assert (values["signed"], values["class"]) == (True, "S3Storage")
    # Signed here, without reaching the server: the link names the bucket on the endpoint and expires.
    url = urlsplit(values["url"])
    query = parse_qs(url.query)
    assert (url.scheme, url.netloc, url.path) == ("http", "minio.internal:9000", "/meded-media/materials/7/renal.pdf")
    assert query["X-Amz-Expires"] == ["60"]
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Credential"][0].startswith("meded/")


def test_the_link_lifetime_is_a_setting():
    result = _storage(**MINIO, MEDIA_URL_EXPIRY="30")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["default"]["OPTIONS"]["querystring_expire"] == 30
    assert parse_qs(urlsplit(values["url"]).query)["X-Amz-Expires"] == ["30"]


def test_s3_storage_without_a_bucket_is_refused_at_start():
    result = _storage(MEDIA_STORAGE="s3")
    assert result.returncode != 0
    assert "MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME." in result.stderr


def test_an_unknown_storage_is_refused_at_start():
    result = _storage(MEDIA_STORAGE="ftp")
    assert result.returncode != 0
    assert "MEDIA_STORAGE is 'ftp'; it must be 'filesystem' or 's3'." in result.stderr
