"""Closing an account reaches every app that keeps something of the member. Those apps sit above
`members` (they import it; it may not import them), so each one answers these signals from its
own `closing.py`, connected in its `AppConfig.ready()`, as Django's `user_logged_in` is.

- `closing_blockers_asked`, sent by `services.closing_blockers`: each receiver returns a list of
  reasons, in words for the member, why the account cannot be closed yet (empty when none).
- `closing_cancels`, then `closing_forgets`, sent by `services.close_account` inside its
  transaction with the member's row locked: each receiver acts through its own app's services, in
  that same transaction, so an error in any of them closes nothing.
  `closing_cancels` gives up what the member holds at sessions still to come (places and queue
  places, each freed place going to the first in line). It comes first because it locks those
  sessions, and any other write takes a session's lock before the rows that hang from it
  (answering a co-teaching invitation locks the session, then the invitation): locking them after
  deleting the member's invitations could deadlock with such a write.
  `closing_forgets` removes what is the member's alone (invitations, applications awaiting a
  decision, certificates, the calendar URL). Its receivers lock no session and none depends on
  another's effect, so the order they run in (the apps' installed order) does not matter.

Sent with `send`, not `send_robust`: a receiver's error must reach the caller and roll back.
"""

from django.dispatch import Signal

# Each is sent with `member`. Receivers of `closing_blockers_asked` return a list of reasons (str).
closing_blockers_asked = Signal()
closing_cancels = Signal()
closing_forgets = Signal()
