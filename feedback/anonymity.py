"""Threat model for anonymous feedback and surveys.

This module holds no code on purpose: anonymity is a property of the tables (`feedback.models`),
of the submission service and its releases (`feedback.services`), of the seal
(`feedback.sealing`) and of the results pages, and this docstring is the single place that says
what is promised, against whom, and what is not. `tests/feedback/test_anonymity.py` and
`tests/feedback/test_release.py` check the promises that can be checked mechanically.

What is promised
----------------
A member's answers to a session's feedback or to a survey cannot be tied back to the member,
neither through the app nor from a copy of the database, by anyone below. The app does know
*that* a member has responded (the receipt), which it needs for "one response each", for the
reminder to those who have not responded and for attendance certificates that wait for feedback.

Adversaries
-----------
1. Teachers. They see their sessions' results pages: distributions, means and comments. They
   know who registered and who was present (the register), and may remember who left early or
   who said what in the room. They may visit the results page repeatedly.
2. The committee. Everything teachers see, for every session, plus survey results by year band,
   comment moderation, thematic coding and the anonymous CSV export. They also see registers,
   receipts' effects (reminders), and the notifications log.
3. Anyone holding a copy of the database (a `pg_dump`, a backup, a stolen laptop with the
   embedded SQLite file): every column of every table, the physical order of rows as a query
   without ORDER BY (or `pg_dump`'s COPY) returns them, and the auto-increment sequences — but not
   the server's environment, so not SECRET_KEY.
4. An administrator with both the database and SECRET_KEY (see "Residual risks").

What is stored, and when
------------------------
- `PendingResponse`: a response given and not yet released. Its answers are one envelope:
  JSON padded to the most its form's answers could take (so every envelope of a form has the same
  size) and encrypted with AES-256-GCM under a key derived from SECRET_KEY, bound to its scope
  (`feedback.sealing`, `meded.crypto`). In the clear only the scope, the form (which
  the scope fixes) and, for surveys, the year band — which the member's profile shows anyway, and
  which lets the committee count a survey's answers by band while it is open. A random UUID key,
  no member, no time; the envelope, unlike a Fernet token, carries no timestamp either.
- `Response` and `Answer`: released responses only — the form, the session *or* the survey, for
  surveys the band, and each answer's value. No member, no time, random UUID keys.
  `Answer.is_held_back` is the committee's moderation flag and carries no time either. Session
  responses carry no band at all: in a small session the band alone could single someone out.
- Imported responses (`past_evaluations.import_survey_responses`): a past survey's export, written as
  released `Response`s marked `is_imported`, shuffled, with no receipt (no member is known) and
  only the band of the year column; no other column of the file is read into the database. The
  import is one release of at least N, like a survey's close. `SurveyImport` keeps the file's
  source, count and SHA-256, nothing of its rows.
- Interview excerpts (`past_evaluations.import_transcript`): the interviewee's turns of a transcript,
  every speaker's name replaced by a pseudonym and each doubtful word decided by the uploader,
  one `Response` each, tied to an `Interview` that holds a participant number, a role and an
  academic year. No name, no timestamp and no file is kept. Being interviewed is not anonymous
  to the committee (it arranged the interviews); what the database holds does not name anyone.
- `Receipt`: the member and the session or survey — nothing else. No time, and no key, column or
  value shared with a response. Written in the same transaction as the envelope.
- Sign-ins: `Member.last_login` and a Microsoft account's `last_login` keep only the day
  (midnight UTC, `members.apps`); a web session's stored expiry is rounded up to the next midnight
  and its data, which Django would sign with a timestamp and in which allauth records the
  sign-in time, is encrypted (`meded.sessions`). So everyone who signed in on a day looks alike.
  Submitting feedback writes nothing outside the feedback tables and no time anywhere: no log
  line, no message, no Celery task argument, no cache key, no session variable and no URL
  carries a response next to a member. The thank-you page is addressed by the session or
  survey, never by the response.

Releases
--------
Nothing shown anywhere — results pages, survey results, CSV exports, moderation, coding, themes,
the dashboard, the admin — can read a pending response: it is sealed, and only `Response` rows
are read. A release opens a scope's envelopes under the scope's row lock and writes them as
responses, every response and each one's answers in a shuffled order (`random.SystemRandom`),
with fresh random keys; then deletes the envelopes. All or nothing: if any envelope cannot be
opened, nothing is released (a partial release would show a group smaller than N).
- A session releases when it has FEEDBACK_MIN_RESPONSES pending: its results change only in steps
  of N, so reloading after each "I've just done it" shows a change made by N people, not one.
  Teachers need results before the short feedback window ends, so sessions keep these batches;
  a session's results page says how many responses wait for the next group, and why.
- A survey releases once, all at once, when it closes (beat's `feedback.release_due`,
  or the survey's page or export first). While it is open the committee sees only how many have
  answered, overall and by band — no distribution, no comment, no export — so there is nothing to
  compare between two visits, and at the close every response counts (none is left out for want
  of a full batch). A closed survey's dates cannot be changed in the admin, and it takes no answer
  once its results are out. Generally, a release never adds fewer than N to results already
  shown: a survey that had results before sealing began keeps a smaller remainder sealed.
- Beat also releases any session holding N sealed responses that a submission did not release
  (one held back while a retired key was missing). A session's last responses, fewer than N,
  are never released: they stay sealed, counted but never shown.

Receipts
--------
A session's receipts are rewritten in member order on every submission (`_rewrite_receipts`):
its responses are released in blocks of N, and receipts in arrival order would say which members
made up each block. A session is bounded by its places, so the cost is bounded too. A survey's
receipts are a single insert while it is open (`_add_receipt`), so a submission's cost does not
grow with the survey (`bench/survey_submissions.py`): in arrival order they pair only with the
sealed envelopes beside them, all of one size. At the release they are rewritten in member order
once, so after the close not even the order in which members answered is left.

What a full copy of the database tells, and what it does not
------------------------------------------------------------
It tells: who has responded to which session or survey (receipts); a survey respondent's band
(also on their profile); the released responses of each scope, and for a session which block of
N was released together (not which members made a block: the receipts are in member order, and
sign-ins keep only the day); how many envelopes wait in each scope, in the order they arrived,
all of one size, and their bands for a survey; while a survey is open, in which order its
respondents answered (receipts), which pairs with the envelopes' order but not with what they say.
It does not tell: what any pending response says (sealed); which released response, or which
block, is whose (no shared key or value, no time, no order that follows arrival or members); when
anyone answered (no time is written by answering; sign-ins keep the day only).

Residual risks, named honestly
------------------------------
- With SECRET_KEY as well as the database (adversary 4), pending envelopes can be opened, and
  while a survey is open its receipts and envelopes, both in arrival order, pair each open
  answer with its member; a session's few pending envelopes can be matched to people with an
  outside record of when they answered (web server access logs with user names, the outbox's
  record of who was reminded when). SECRET_KEY and the database must never travel together:
  keep the key out of backups and database copies out of the hands of anyone who holds it, keep
  access logs free of user names, and restrict who reads the outbox.
- Two copies taken before and after a session's release show which envelopes became which block
  of N (a group, not a person).
- Watching the aggregate change. A session's results move in steps of N released together, so
  comparing the page before and after a release shows what a group of N said, not one member.
  Someone who knows exactly which N people made up a release learns the group's answers, not
  who gave which.
- Dead rows and write-ahead logs. Deleted receipts and envelopes stay in PostgreSQL's dead tuples
  until vacuum, in its WAL and in SQLite's free pages; a file-level copy (not a logical dump such
  as pg_dump, which copies live rows only) may show older orders.
- Free text. A comment can identify its author by what it says ("as the only year 6 there…").
  Moderation lets the committee hold such a comment back before teachers see it.
- Small audiences. If every registrant of a session responds, everyone knows each attendee
  responded; the answers are still not linked, but a unanimous result reveals each person's
  answer. The minimum N is the only guard; it is a setting and should not be lowered below 5.
- Survey bands. A survey response carries a band; for a band with very few members, results by
  band are hidden below the minimum N, but the band in a database copy narrows the candidates.
- Rows from before sealed envelopes existed. Responses released before this design keep the order
  they were written in; the migration sealed every response not yet released, and signed-in
  sessions were encrypted and their times cut to the day, nobody being signed out.
"""
