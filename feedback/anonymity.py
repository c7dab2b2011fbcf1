"""Threat model for anonymous feedback and surveys.

This module holds no code on purpose: anonymity is a property of the tables (`feedback.models`),
of the submission service (`feedback.services.submit_response`) and of the results pages, and
this docstring is the single place that says what is promised, against whom, and what is not.
`tests/feedback/test_anonymity.py` checks the promises that can be checked mechanically.

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
3. An administrator or anyone holding a copy of the database (a dump, a backup, a stolen laptop
   with the embedded SQLite file): every column of every table, including the physical order of
   rows as a query without ORDER BY returns them, and the auto-increment sequences.

What is stored, and what is not
-------------------------------
- `Response`: the form version, the session *or* the survey, and — for surveys only — the year
  band (years 1–2 or 3–6) taken from the member's profile. No member, no e-mail, no timestamp,
  no IP address, no user agent. Its key is a random UUID (version 4), not a sequence, so the
  key says nothing about the order responses arrived in.
- Session responses carry no band at all: a session has few attendees, and "the one year-1
  student who came" would be singled out by the band alone.
- `Answer`: the response, the question and the value (a number 1–5, an option, or text); a random
  UUID key, no time. `is_held_back` is the committee's moderation flag and carries no time either.
- `Receipt`: the member and the session or survey — nothing else. No time, and no key, column or
  value shared with the response. Receipts and responses are written in the same transaction,
  so their counts per scope always agree, but nothing pairs one receipt with one response.
- Nothing about a submission is written anywhere else: no log line, no message, no Celery task
  argument, no cache key, no session variable and no URL carries a response's key next to a
  member. The thank-you page is addressed by the session or survey, never by the response.

Why receipts are rewritten
--------------------------
Even without a timestamp, rows have an order: PostgreSQL's heap and SQLite's rowid keep rows
roughly in insertion order, and an auto-increment key *is* the insertion order. If receipts kept
their arrival order, the n-th receipt of a session would pair with the n-th response of that
session (responses also sit in arrival order on disk), and the join the tables forbid would be
made by position. So every submission deletes the scope's receipts and re-inserts all of them
in member-id order, inside the submission's transaction (`services._rewrite_receipts`). After
it, the scope's receipts have consecutive keys and physical positions sorted by member, whoever
came last; and because all of them are rewritten — not only those after the newcomer, nor only
those of the batch not yet released — no gap in the key sequence points at the latest
respondent, and no block of receipts marks the members of one released batch. (Rewriting only
the pending batch was tried and refused: released responses sit on disk grouped by release, so
a block of receipts would pair with a block of responses, and a batch with one year-1 member or
one teacher would give that member's survey response away.) The cost grows with the scope: for
a survey of 2,000 it is a quarter of a second per submission at the end
(`bench/survey_submissions.py`).

Why responses are released in batches
-------------------------------------
A response is written unreleased (`Response.is_released` false) and nothing shown anywhere — no
results page, survey result, CSV export, moderation list, coding screen, theme page, nor the
admin — reads an unreleased response. When a scope (a session, a survey) has
FEEDBACK_MIN_RESPONSES unreleased responses, the submission that makes it so releases all of them
at once, under the scope's lock (`services._release_if_due`). So:
- Results change only in steps of N. Reloading a page after each "I've just done it" shows the
  same figures until N more have answered, and then a change made by N people, not one.
- At release the batch is rewritten in random order (`random.SystemRandom`): its responses and
  their answers are read, deleted and re-inserted with the same keys, so within a release the
  table's physical order (SQLite's rowid, PostgreSQL's ctid) says nothing about arrival. The
  batch has no codings and no held-back flags to lose: nothing unreleased can be moderated or
  coded.
- Responses that never reach a release (the last up to N−1 of a session or survey) are never
  shown. The results pages say that results are updated in groups of N.

What teachers and the committee see
-----------------------------------
- Results only in aggregate, only from released responses, and only once a session (or a band,
  or any breakdown) has at least FEEDBACK_MIN_RESPONSES released responses; below that, only
  "n responses, not enough to show" (a count of people, which may include pending ones). No
  breakdown is offered whose complement could be worked out by subtraction from a shown total.
- Comments are listed in an order unrelated to arrival (by their random key, or grouped by
  question and sorted by text), never "newest first".
- The admin shows responses and answers read-only with no member information, and never shows
  a receipt next to a response.

Residual risks, named honestly
------------------------------
- Watching the aggregate change. Results move in steps of N released together, so comparing a
  page before and after a release shows what a group of N said, not one member. Someone who
  knows exactly which N people made up a release (say, the only N who answered between two
  visits) learns the group's answers, not who gave which.
- Pending rows. Before their release, the up to N−1 pending responses of a scope (and their
  answers) sit in the table in arrival order, with `is_released` false. Someone with a database
  copy *and* an outside record of when a given member responded (web server access logs with
  user names, the notifications log of who was reminded and when) could match those positions to
  people. Once released, the batch's rows are rewritten in random order. PostgreSQL's xmin (the
  inserting transaction's id) of a released batch is the same for all its rows, so it no longer
  orders them. Keep access logs free of user names, restrict who can read the outbox, and treat
  database copies as confidential.
- Never released. The last responses of a scope, fewer than N, are kept but never shown.
- Dead rows and write-ahead logs. Deleted receipts and the deleted pending responses of a
  release (from rewrites) stay in PostgreSQL's dead
  tuples until vacuum, in its WAL and in SQLite's free pages; a file-level copy (not a logical
  dump such as pg_dump, which copies live rows only) may still show older receipt and response orders.
- Free text. A comment can identify its author by what it says ("as the only year 6 there…").
  Moderation lets the committee hold such a comment back before teachers see it.
- Small audiences. If every registrant of a session responds, everyone knows each attendee
  responded; the answers are still not linked, but a unanimous result reveals each person's
  answer. The minimum N is the only guard; it is a setting and should not be lowered below 5.
- Survey bands. A survey response carries a band; for a band with very few members, results by
  band are hidden below the minimum N, but the band in a database copy narrows the candidates.
"""
