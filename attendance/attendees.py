"""The attendance app's answer to `events.attendees` (who attended each session), connected in
`AttendanceConfig.ready()`."""

from attendance import selectors


def count_attendees(sender, *, session_ids, **kwargs) -> dict[int, int]:
    return selectors.attendees_by_session(session_ids=session_ids)
