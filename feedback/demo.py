"""Demo feedback for `seed_demo`: answers consistent with the demo attendance, and an open society
survey answered across the years as in the society's published evaluation (66 students: 19 in
years 1–2, 47 in years 3–6).

Every response goes through `services.submit_response`, so only members who may respond do:
session feedback is given "the day after" each completed session (the `now` the service takes),
within its window. Deterministic, and idempotent: sessions with feedback and members who have
answered the survey are skipped.
"""

import datetime as dt
import random

from django.db.models import Exists, OuterRef
from django.utils import timezone

from attendance.demo import FIRST_NAMES, LAST_NAMES
from attendance.enums import AttendanceStatus, RegistrationState
from attendance.models import Registration
from events.enums import SessionStatus
from feedback import services
from feedback.enums import FormPurpose, QuestionKind
from feedback.models import Form, Receipt, Survey
from members.models import Member
from members.permissions import is_teacher

SURVEY_TITLE = "Annual society survey (demo)"
# The demo's sign-in students (student1@ … student6@) are left to give their own feedback and
# answer the survey, so whoever tries the demo finds both waiting.
SIGN_IN_STUDENTS = r"^student[1-6]@"
SURVEY_SAMPLE = {(1, 2): 19, (3, 4, 5, 6): 47}
MOTIVATIONS = ["helping_others", "transferable_skills", "consolidating_knowledge", "career", "enjoyment", "community"]
MOTIVATION_WEIGHTS = [5, 4, 2, 2, 2, 1]

WENT_WELL = [
    "Really clear explanations and lots of practice questions.",
    "Friendly teachers who remembered what it was like to be in our year.",
    "The worked examples made the topic click for me.",
    "Good pace and a chance to ask questions I wouldn't ask in a lecture.",
    "Nice to meet people from other years.",
]
IMPROVE = [
    "Slides beforehand would help.",
    "A bit rushed at the end.",
    "More time for questions please.",
    "The room was hard to find.",
]
SOCIETY_GIVES = [
    "Confidence before exams and people to ask for advice.",
    "A community across the years; I feel less alone in medical school.",
    "Teaching experience for my portfolio and foundation applications.",
    "It fills the gaps the curriculum leaves, especially for OSCEs.",
    "Friends in older years who have been through it.",
    "Consolidating my own knowledge by explaining it to others.",
]


def _scale(rng: random.Random, *, high: float) -> int:
    """A 1–5 answer leaning to agreement: `high` is the chance of a 4 or a 5."""
    if rng.random() < high:
        return rng.choice([4, 4, 5, 5, 5])
    return rng.choice([2, 3, 3])


def _answers(form: Form, rng: random.Random, *, member: Member, picks: dict) -> dict:
    """Answers for each question the member sees; `picks` holds option values by metric key."""
    teaches = is_teacher(member)
    answers = {}
    for question in form.questions.all():
        if question.is_for_teachers_only and not teaches:
            continue
        options = {option.value: option.pk for option in question.options.all()}
        pick = picks.get(question.metric_key)
        if question.kind in (QuestionKind.LIKERT, QuestionKind.RATING):
            answers[question.pk] = pick or _scale(rng, high=0.8)
        elif question.kind == QuestionKind.SINGLE:
            answers[question.pk] = options.get(pick) or rng.choice(list(options.values()))
        elif question.kind == QuestionKind.MULTIPLE:
            chosen = [value for value in (pick or []) if value in options] or [rng.choice(list(options))]
            answers[question.pk] = [options[value] for value in chosen]
        elif not question.is_required and rng.random() < 0.5:
            answers[question.pk] = ""
        else:
            answers[question.pk] = pick or ""
    return answers


def _seed_session_feedback(rng: random.Random) -> int:
    default = Form.objects.filter(purpose=FormPurpose.SESSION, is_default=True, is_current=True).first()
    if default is None:
        return 0
    given = 0
    registrations = (
        Registration.objects.filter(
            session__status=SessionStatus.COMPLETED,
            state=RegistrationState.REGISTERED,
            attendance__in=AttendanceStatus.attended,
        )
        # A session that already has feedback is left alone, so running the seed again adds nothing.
        .exclude(Exists(Receipt.objects.filter(session=OuterRef("session"))))
        .exclude(member__email__regex=SIGN_IN_STUDENTS)
        .select_related("session__feedback_form_choice__form", "member")
        .order_by("session__starts_at", "member_id")
    )
    forms = {}
    for registration in _shuffled_per_session(list(registrations), rng):
        if rng.random() < 0.15:
            continue  # most, not all, give feedback
        session = registration.session
        form = services.form_for_session(session)
        if form.pk not in forms:
            forms[form.pk] = Form.objects.prefetch_related("questions__options").get(pk=form.pk)
        before = rng.choice([1, 2, 2, 3, 3])
        picks = {
            "confidence_before": before,
            "confidence_after": min(5, before + rng.choice([1, 1, 2, 2])),
            "format_preference": registration.attended_mode if rng.random() < 0.7 else "no_preference",
            "went_well": rng.choice(WENT_WELL),
            "improve": rng.choice(IMPROVE),
        }
        try:
            services.submit_response(
                member=registration.member,
                session=session,
                answers=_answers(forms[form.pk], rng, member=registration.member, picks=picks),
                now=session.ends_at + dt.timedelta(days=1),
            )
        except services.FeedbackError:
            continue
        given += 1
    return given


def _shuffled_per_session(registrations: list[Registration], rng: random.Random) -> list[Registration]:
    """Each session's attendees in a shuffled order, as people answer: never in member order,
    which the tables must not mirror (see `feedback.anonymity`)."""
    by_session: dict[int, list[Registration]] = {}
    for registration in registrations:
        by_session.setdefault(registration.session_id, []).append(registration)
    for attendees in by_session.values():
        rng.shuffle(attendees)
    return [registration for attendees in by_session.values() for registration in attendees]


def _respondents(domain: str, years: tuple[int, ...], wanted: int) -> list[Member]:
    """Members of `years` to answer the survey, adding demo students (who cannot sign in) if needed."""
    members = list(
        Member.objects.filter(year_of_study__in=years, is_active=True)
        .exclude(email__regex=SIGN_IN_STUDENTS)
        .order_by("pk")[:wanted]
    )
    number = 0
    while len(members) < wanted:
        number += 1
        first, last = FIRST_NAMES[number % len(FIRST_NAMES)], LAST_NAMES[(number * 7) % len(LAST_NAMES)]
        email = f"survey.{first.lower()}.{last.lower()}{years[0]}{number}@{domain}"
        member, created = Member.objects.get_or_create(
            email=email, defaults={"first_name": first, "last_name": last, "year_of_study": years[number % len(years)]}
        )
        if created:
            member.set_unusable_password()
            member.save(update_fields=["password"])
        if member not in members:
            members.append(member)
    return members


def _seed_survey(domain: str, rng: random.Random) -> int:
    form = Form.objects.filter(family="society-survey", is_current=True).prefetch_related("questions__options").first()
    if form is None:
        return 0
    survey = Survey.objects.filter(title=SURVEY_TITLE).first()
    if survey is None:
        now = timezone.now()
        survey = services.create_survey(
            form=form,
            title=SURVEY_TITLE,
            opens_at=now - dt.timedelta(days=10),
            closes_at=now + dt.timedelta(days=20),
            by=None,
        )
    answered = set(Receipt.objects.filter(survey=survey).values_list("member_id", flat=True))
    given = 0
    # Both bands mixed and shuffled: members answer in no particular order.
    respondents = [
        (years[0] == 1, member)
        for years, wanted in SURVEY_SAMPLE.items()
        for member in _respondents(domain, years, wanted)
    ]
    rng.shuffle(respondents)
    for early, member in respondents:
        if member.pk in answered:
            continue
        teaches = is_teacher(member)
        # The study: 79% of years 1–2 but 34% of years 3–6 attend lectures; both prefer online.
        attends = rng.random() < (0.79 if early else 0.34)
        role = ("both" if rng.random() < 0.5 else "teacher") if teaches else rng.choice(["attendee"] * 5 + ["neither"])
        picks = {
            "lecture_attendance": rng.choice(["always", "mostly"] if attends else ["sometimes", "rarely", "never"]),
            "format_preference": "online" if rng.random() < (0.58 if early else 0.62) else "in_person",
            "society_role": role,
            # Helping others and transferable skills came first among teachers' motivations.
            "teaching_motivations": list(dict.fromkeys(rng.choices(MOTIVATIONS, weights=MOTIVATION_WEIGHTS, k=3))),
            "society_gives": rng.choice(SOCIETY_GIVES),
        }
        try:
            services.submit_response(
                member=member, survey=survey, answers=_answers(form, rng, member=member, picks=picks)
            )
        except services.FeedbackError:
            continue
        given += 1
    return given


def seed_feedback(*, domain: str) -> tuple[int, int]:
    """Add demo session feedback and survey answers; returns how many of each were added."""
    rng = random.Random(2027)  # noqa: S311 -- demo data, the same every time; nothing secret
    return _seed_session_feedback(rng), _seed_survey(domain, rng)
