import email
import subprocess
import sys
from pathlib import Path

import pytest

from members.models import Member
from tests.integration.conftest import ROOT, wait_for

pytestmark = pytest.mark.integration


def _messages(mail_dir: Path):
    found = []
    for path in sorted(mail_dir.glob("*.log")):
        # The file backend writes each message followed by a line of dashes.
        for chunk in path.read_text().split("-" * 79):
            if chunk.strip():
                found.append(email.message_from_string(chunk.strip()))
    return found


def test_import_with_invite_is_mailed_by_a_real_worker_once_per_new_member(
    process_env, celery_worker_process, tmp_path
):
    _worker, worker_log = celery_worker_process
    members_csv = tmp_path / "members.csv"
    members_csv.write_text(
        "email,first_name,last_name,year_of_study,roles\n"
        "aisha.khan@example.ac.uk,Aisha,Khan,1,\n"
        "tom.okafor@example.ac.uk,Tom,Okafor,4,teacher\n"
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "import_members", str(members_csv), "--invite"],
        cwd=ROOT,
        env=process_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "2 created, 0 updated, 0 unchanged. 2 invitations to set a password are being sent." in result.stdout
    assert set(Member.objects.values_list("email", flat=True)) == {
        "aisha.khan@example.ac.uk",
        "tom.okafor@example.ac.uk",
    }

    mail_dir = Path(process_env["MAIL_DIR"])
    wait_for(
        lambda: len(_messages(mail_dir)) >= 2,
        timeout=60,
        message=f"The worker sent no invitations:\n{worker_log.read_text()}",
    )
    messages = _messages(mail_dir)
    assert sorted(m["To"] for m in messages) == ["aisha.khan@example.ac.uk", "tom.okafor@example.ac.uk"]
    for message in messages:
        assert message["Subject"] == "[MedEd] Set your password to join"
        text = next(part for part in message.walk() if part.get_content_type() == "text/plain").get_payload(decode=True)
        assert b"https://meded.example.ac.uk/accounts/password/reset/key/" in text
    assert "Task notifications.send" in worker_log.read_text()
