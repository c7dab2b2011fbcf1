"""What the apps above `events` add to the session page (`views.SessionDetailView`). The page
shows what they own (the viewer's place in a waiting list is the attendance app's rule), and
`events` may not import them, so each answers `session_page_shown` from its own module, connected
in its `AppConfig.ready()`, as closing an account asks the apps above `members`
(`members.closing`).

Sent with `user`, `session` and `registration` (the viewer's own, not cancelled, or None); each
receiver returns a dict of context entries for the page (empty when it has nothing to add).
"""

from django.dispatch import Signal

session_page_shown = Signal()


def added_context(*, user, session, registration) -> dict:
    """The entries every receiver adds to the session page's context, merged in the order the apps are installed."""
    context = {}
    for _receiver, entries in session_page_shown.send(
        sender=type(session), user=user, session=session, registration=registration
    ):
        context |= entries
    return context
