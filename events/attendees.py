"""How many members attended each session. Attendance is the attendance app's record (who
attended is `AttendanceStatus.attended`, its rule), but the teachers app shows the figure beside
each session taught (the teaching log and the teaching certificate), and those two apps sit side
by side and do not import each other. So the question is asked here, on the sessions both use:
the attendance app answers `attendees_asked` from its own selector
(`attendance.selectors.attendees_by_session`), connected in its `AppConfig.ready()`.
"""

from django.dispatch import Signal

# Sent with `session_ids`; a receiver returns {session id: members who attended}.
attendees_asked = Signal()


def attendees_by_session(*, session_ids) -> dict[int, int]:
    """Members who attended each of the sessions (0 for none), in one query. Raises LookupError
    when no app answers: a count of 0 would then be silently wrong."""
    answers = attendees_asked.send(sender=None, session_ids=list(session_ids))
    if not answers:
        raise LookupError("No app counts attendees (attendance.apps connects attendees_asked).")
    counts = dict.fromkeys(session_ids, 0)
    for _receiver, answer in answers:
        counts |= answer
    return counts
