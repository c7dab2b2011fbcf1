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
came last; and because all of them are rewritten (not only those after the newcomer), no gap in
the key sequence points at the latest respondent.

What teachers and the committee see
-----------------------------------
- Results only in aggregate, and only once a session (or a band, or any breakdown) has at least
  FEEDBACK_MIN_RESPONSES responses; below that, only "n responses, not enough to show". No
  breakdown is offered whose complement could be worked out by subtraction from a shown total.
- Comments are listed in an order unrelated to arrival (by their random key, or grouped by
  question and sorted by text), never "newest first".
- The admin shows responses and answers read-only with no member information, and never shows
  a receipt next to a response.

Residual risks, named honestly
------------------------------
- Watching the aggregate change. Someone who loads a results page, sees one more response after
  a particular member said "I've just done it", and compares the distributions before and after,
  learns that member's answers. The minimum N narrows this (nothing is shown below N) but cannot
  remove it once results are visible; teachers are asked not to do this, and the risk is lowest
  when many respond at once, right after the session.
- Arrival order of responses. Responses and answers are stored roughly in the order they came in
  (physical row order; PostgreSQL's xmin transaction ids). Alone this says nothing about who. But
  someone with a database copy *and* an outside record of when a given member responded (web
  server access logs with user names, the notifications log of who was reminded and when — those
  who respond after the one reminder are exactly the reminded members who now have a receipt)
  could match positions to people when that set is small. Keep access logs free of user names,
  restrict who can read the outbox, and treat database copies as confidential.
- Dead rows and write-ahead logs. Deleted receipts (from rewrites) stay in PostgreSQL's dead
  tuples until vacuum, in its WAL and in SQLite's free pages; a file-level copy (not a logical
  dump such as pg_dump, which copies live rows only) may still show older receipt orders.
- Free text. A comment can identify its author by what it says ("as the only year 6 there…").
  Moderation lets the committee hold such a comment back before teachers see it.
- Small audiences. If every registrant of a session responds, everyone knows each attendee
  responded; the answers are still not linked, but a unanimous result reveals each person's
  answer. The minimum N is the only guard; it is a setting and should not be lowered below 5.
- Survey bands. A survey response carries a band; for a band with very few members, results by
  band are hidden below the minimum N, but the band in a database copy narrows the candidates.
"""
