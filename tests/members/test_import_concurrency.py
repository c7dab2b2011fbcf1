"""Two imports of the same new members at once, on real PostgreSQL connections.

SQLite serialises writers on the whole file, so the race only exists (and is only tested) on
PostgreSQL, which CI uses.
"""

import threading

import pytest
from django.db import connection, connections

from members.models import Member
from members.services import MemberImportError, import_members

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level races need PostgreSQL (as in CI)"),
]

FILE = b"email,first_name,last_name,year_of_study\n" + b"".join(
    f"member{n}@example.ac.uk,Member,Number{n},{n % 6 + 1}\n".encode() for n in range(200)
)


def test_concurrent_imports_of_the_same_members_create_each_once_and_refuse_cleanly():
    barrier = threading.Barrier(2)
    outcomes = []

    def run():
        try:
            barrier.wait()
            outcomes.append(import_members(data=FILE, filename="members.csv").summary)
        except MemberImportError as error:
            outcomes.append([str(e) for e in error.errors])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert Member.objects.count() == 200
    assert len(outcomes) == 2
    assert "200 created, 0 updated, 0 unchanged." in outcomes
    other = next(o for o in outcomes if o != "200 created, 0 updated, 0 unchanged.")
    # Either the second waited for the first and found everyone there, or it lost the race on the
    # unique index and was refused as a whole with a message that says what to do.
    assert other in (
        "0 created, 0 updated, 200 unchanged.",
        ["Another import or sign-up changed the same members at the same time; try again."],
    )
