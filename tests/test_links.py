"""Absolute links come from one place (meded.links), built on SITE_URL, which `make run` sets to
the port the app runs on."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from meded.links import absolute_url, site_host, site_url, url_for

ROOT = Path(__file__).resolve().parents[1]
APPS = ["analytics", "attendance", "events", "feedback", "meded", "members", "notifications", "teachers"]


def test_links_are_built_on_the_site_url(settings):
    settings.SITE_URL = "http://127.0.0.1:8105"

    assert url_for("events:detail", 7) == "http://127.0.0.1:8105" + reverse("events:detail", args=[7])
    assert absolute_url("/verify/ABC/") == "http://127.0.0.1:8105/verify/ABC/"
    assert site_url() == "http://127.0.0.1:8105"
    assert site_host() == "127.0.0.1"


def test_a_link_needs_a_path_from_the_root():
    with pytest.raises(ValueError, match="starting with '/'"):
        absolute_url("verify/ABC/")


def test_no_code_but_meded_links_builds_an_absolute_link():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if path.name != "settings.py" and path != ROOT / "meded" / "links.py"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"SITE_URL|build_absolute_uri", line)
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("arguments", "env_file", "site"),
    [
        (["PORT=8105"], None, "http://127.0.0.1:8105"),
        ([], None, "http://127.0.0.1:8000"),
        (["PORT=8105", "SITE_URL=https://meded.example.ac.uk"], None, "https://meded.example.ac.uk"),
        (
            ["PORT=8105"],
            "# SITE_URL=https://old.example\nSITE_URL=https://meded.example.ac.uk\n",
            "https://meded.example.ac.uk",
        ),
    ],
)
def test_make_run_gives_the_demo_data_and_every_process_the_site_url_of_its_port(tmp_path, arguments, env_file, site):
    make = shutil.which("make")
    if make is None:
        # CI runs through make, so there it is a failure; a developer without make is told why.
        (pytest.fail if os.environ.get("CI") else pytest.skip)("make is not installed")
    # A copy of the Makefile, so that a developer's own .env plays no part.
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    for prerequisite in ("pyproject.toml", "requirements.lock"):
        (tmp_path / prerequisite).touch()
    if env_file is not None:
        (tmp_path / ".env").write_text(env_file)
    dry_run = subprocess.run(
        [make, "--dry-run", "--always-make", "run", *arguments],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    ).stdout
    assert f"SITE_URL={site} .venv/bin/python manage.py seed_demo" in dry_run
    assert f"SITE_URL={site} .venv/bin/honcho -f Procfile.dev start" in dry_run
