"""Running the same action from many threads at once, each on its own database connection, for
the tests of row locks on real PostgreSQL (see STYLE.md: Transactions, locking, tasks)."""

import threading
from collections.abc import Callable, Iterable

from django.db import connections


def all_at_once(jobs: Iterable, action: Callable) -> list[Exception]:
    """Run `action(job)` for every job, each in its own thread, released together by a barrier so
    that they overlap; wait for all of them and return what they raised (each thread's connection
    is closed when it ends)."""
    jobs = list(jobs)
    barrier = threading.Barrier(len(jobs))
    failures = []

    def run(job):
        try:
            barrier.wait(timeout=30)
            action(job)
        except Exception as error:  # collected and asserted by the caller
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return failures
