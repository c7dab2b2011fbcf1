"""Demo feedback for `seed_demo`: answers consistent with the demo attendance; this year's society
survey and last year's (both closed), each answered across the years as in the society's
published evaluation (66 students: 19 in years 1–2, 47 in years 3–6; last year 20 and 45); and
the committee's coding of the comments into the codebook's themes.

Every response goes through `services.submit_response`, so only members who may respond do:
session feedback is given "the day after" each completed session (the `now` the service takes),
within its window; a survey is answered while it was open (a short one is open now), by members as they were in its
academic year (`members.demo.as_then`), so last year's responses carry last year's band. Every
coding goes through `coding.save_coding` (and `resolve_coding`). Deterministic, and idempotent:
sessions with feedback, members who have answered a survey and comments already coded are skipped.
"""

import datetime as dt
import random

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from attendance.demo import FIRST_NAMES, LAST_NAMES
from attendance.enums import AttendanceStatus, RegistrationState
from attendance.models import Registration
from events.enums import SessionStatus
from feedback import services
from feedback.coding import CommentFilters, comments_for_coder, resolve_coding, save_coding
from feedback.enums import FormPurpose, MetricKey, QuestionKind
from feedback.models import Code, Form, Receipt, Survey
from members.academic_year import AcademicYear
from members.demo import as_then, day_in, year_then
from members.models import Member
from members.permissions import is_teacher
from teachers.enums import ApplicationStatus
from teachers.models import TeacherApplication

SURVEY_TITLE = "Annual society survey (demo)"
# A short survey open now: the demo's sign-in students find it waiting, and the committee sees
# how an open survey shows only how many have answered.
PULSE_TITLE = "End-of-term check-in (demo)"
PULSE_SAMPLE = {(1, 2): 4, (3, 4, 5, 6): 8}
# Its own short form: a survey on the society survey instrument would become the year's survey on
# the dashboard once it closed, and a pulse check is not the society's evaluation.
PULSE_FORM_TITLE = "End-of-term check-in"
PULSE_QUESTIONS = (
    services.QuestionSpec(kind=QuestionKind.RATING, text="How useful were this term's sessions to you?"),
    services.QuestionSpec(kind=QuestionKind.TEXT, text="What should we run next term?", is_required=False),
)
# The demo's sign-in students (student1@ … student6@) are left to give their own feedback and
# answer the survey, so whoever tries the demo finds both waiting.
SIGN_IN_STUDENTS = r"^student[1-6]@"
SURVEY_SAMPLE = {(1, 2): 19, (3, 4, 5, 6): 47}
# Last year's survey, opened on 2 March for four weeks; 65 answers, all released at its close.
LAST_YEAR_SURVEY = (3, 2, dt.timedelta(weeks=4))
LAST_YEAR_SAMPLE = {(1, 2): 20, (3, 4, 5, 6): 45}
MOTIVATIONS = ["helping_others", "transferable_skills", "consolidating_knowledge", "career", "enjoyment", "community"]
MOTIVATION_WEIGHTS = [5, 4, 2, 2, 2, 1]

# Comments, with the codes of the codebook (feedback/migrations/0003_codebook.py) the committee
# gives each; what could be improved is not coded (the codebook is about what the society gives).
WENT_WELL = {
    "Really clear explanations and lots of practice questions.": ["Teaching quality", "Exam preparation"],
    "Friendly teachers who remembered what it was like to be in our year.": ["Approachable near-peers"],
    "The worked examples made the topic click for me.": ["Knowledge and understanding", "Teaching quality"],
    "Good pace and a chance to ask questions I wouldn't ask in a lecture.": [
        "Teaching quality",
        "Approachable near-peers",
    ],
    "Nice to meet people from other years.": ["Belonging and peer support"],
    "Being able to join online from placement made it easy to come.": ["Inclusivity"],
    "The teacher explained the mechanisms rather than just the facts.": [
        "Knowledge and understanding",
        "Teaching quality",
    ],
    "Exam-style questions at the end showed me what I still need to revise.": ["Exam preparation"],
    "A relaxed atmosphere; I didn't feel silly asking basic questions.": [
        "Approachable near-peers",
        "Confidence and wellbeing",
    ],
    "Hearing how the teachers got through the same exams was reassuring.": [
        "Approachable near-peers",
        "Confidence and wellbeing",
    ],
    "Seeing how a final-year student works through a case made me think about my own career.": [
        "Career aspirations",
        "Approachable near-peers",
    ],
}
IMPROVE = [
    "Slides beforehand would help.",
    "A bit rushed at the end.",
    "More time for questions please.",
    "The room was hard to find.",
    "Could the recording be shared sooner?",
    "A bigger room next time; some of us had to stand.",
]
SOCIETY_GIVES = {
    "Confidence before exams and people to ask for advice.": ["Confidence and wellbeing", "Exam preparation"],
    "A community across the years; I feel less alone in medical school.": [
        "Belonging and peer support",
        "Confidence and wellbeing",
    ],
    "Teaching experience for my portfolio and foundation applications.": [
        "Portfolio and applications",
        "Teaching skills",
    ],
    "It fills the gaps the curriculum leaves, especially for OSCEs.": [
        "Knowledge and understanding",
        "Exam preparation",
    ],
    "Friends in older years who have been through it.": ["Approachable near-peers", "Belonging and peer support"],
    "Consolidating my own knowledge by explaining it to others.": ["Teaching skills", "Knowledge and understanding"],
    "Leading sessions taught me to organise and present; I would like to teach as a doctor.": [
        "Professional development",
        "Career aspirations",
    ],
    "Sessions are open to everyone and recorded, so nobody is left behind.": ["Inclusivity"],
    "A reason to keep on top of the content all year, not just before exams.": [
        "Exam preparation",
        "Knowledge and understanding",
    ],
    "Teaching certificates I have already used in my portfolio.": ["Portfolio and applications"],
    "Mentors in the years above who have helped me think about specialties.": [
        "Career aspirations",
        "Approachable near-peers",
    ],
    "Experience of organising events and working in a team.": ["Professional development"],
    "Somewhere I feel welcome whatever my background.": ["Inclusivity", "Belonging and peer support"],
    "Less stress: I know where to go when I'm stuck.": ["Confidence and wellbeing"],
}
CODED = {MetricKey.WENT_WELL: WENT_WELL, MetricKey.SOCIETY_GIVES: SOCIETY_GIVES}
# The second coder never ticks these, so the agreement page has disagreements to resolve.
SECOND_CODER_SKIPS = {"Exam preparation", "Confidence and wellbeing"}


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
            "went_well": rng.choice(list(WENT_WELL)),
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


def _respondents(domain: str, survey: Survey, years: tuple[int, ...], wanted: int) -> list[Member]:
    """`wanted` members who were in `years` in the survey's academic year, adding demo students
    (who cannot sign in) if needed. Members approved to teach after the survey closed are left
    out: they would be asked why they teach."""
    academic_year = AcademicYear.containing(timezone.localdate(survey.opens_at))
    later_teachers = TeacherApplication.objects.filter(
        status=ApplicationStatus.APPROVED, decided_at__gte=survey.closes_at
    ).values("member")
    candidates = (
        Member.objects.filter(Q(is_active=True) | Q(graduated_on__isnull=False), year_of_study__isnull=False)
        .exclude(email__regex=SIGN_IN_STUDENTS)
        .exclude(pk__in=later_teachers)
        .order_by("pk")
    )
    members = [member for member in candidates if year_then(member, academic_year) in years][:wanted]
    # Years since the survey: a student added for last year's survey is a year further on now.
    since = AcademicYear.current().start_year - academic_year.start_year
    years_now = [year + since for year in years if year + since <= 6]
    prefix = "survey" if not since else f"survey{academic_year.start_year}"
    number = 0
    while len(members) < wanted:
        number += 1
        first, last = FIRST_NAMES[number % len(FIRST_NAMES)], LAST_NAMES[(number * 7) % len(LAST_NAMES)]
        email = f"{prefix}.{first.lower()}.{last.lower()}{years[0]}{number}@{domain}"
        member, created = Member.objects.get_or_create(
            email=email,
            defaults={"first_name": first, "last_name": last, "year_of_study": years_now[number % len(years_now)]},
        )
        if created:
            member.set_unusable_password()
            member.save(update_fields=["password"])
        if member not in members:
            members.append(member)
    return members


def _survey(form: Form, *, title: str, opens_at: dt.datetime, closes_at: dt.datetime) -> Survey:
    """The demo survey called `title`, created (for every year) if missing."""
    survey = Survey.objects.filter(title=title).first()
    if survey is None:
        survey = services.create_survey(form=form, title=title, opens_at=opens_at, closes_at=closes_at, by=None)
    return survey


def _survey_picks(rng: random.Random, *, early: bool, teaches: bool) -> dict:
    """One respondent's choices, as the study found them."""
    # The study: 79% of years 1–2 but 34% of years 3–6 attend lectures; both prefer online.
    attends = rng.random() < (0.79 if early else 0.34)
    role = ("both" if rng.random() < 0.5 else "teacher") if teaches else rng.choice(["attendee"] * 5 + ["neither"])
    return {
        "lecture_attendance": rng.choice(["always", "mostly"] if attends else ["sometimes", "rarely", "never"]),
        "format_preference": "online" if rng.random() < (0.58 if early else 0.62) else "in_person",
        "society_role": role,
        # Helping others and transferable skills came first among teachers' motivations.
        "teaching_motivations": list(dict.fromkeys(rng.choices(MOTIVATIONS, weights=MOTIVATION_WEIGHTS, k=3))),
        "society_gives": rng.choice(list(SOCIETY_GIVES)),
    }


def _answer_survey(survey: Survey, form: Form, domain: str, rng: random.Random, sample: dict) -> int:
    """Answers from `sample` ({years: how many}) not yet given, each at a moment while the survey
    was open (up to now), from the member as they were in its academic year."""
    academic_year = AcademicYear.containing(timezone.localdate(survey.opens_at))
    answered = set(Receipt.objects.filter(survey=survey).values_list("member_id", flat=True))
    # Both bands mixed and shuffled: members answer in no particular order.
    respondents = [
        (years[0] == 1, member)
        for years, wanted in sample.items()
        for member in _respondents(domain, survey, years, wanted)
    ]
    rng.shuffle(respondents)
    open_for = min(survey.closes_at, timezone.now()) - survey.opens_at
    given = 0
    for early, member in respondents:
        if member.pk in answered:
            continue
        then = as_then(member, academic_year)
        picks = _survey_picks(rng, early=early, teaches=is_teacher(then))
        try:
            services.submit_response(
                member=then,
                survey=survey,
                answers=_answers(form, rng, member=then, picks=picks),
                now=survey.opens_at + open_for * rng.random(),
            )
        except services.FeedbackError:
            continue
        given += 1
    return given


def _seed_surveys(domain: str, rng: random.Random) -> int:
    """This year's survey, which closed two days ago after three weeks, last year's, and a short one
    open now; returns the answers added. The closed ones are released as every closed survey is,
    so the dashboard reads them."""
    form = Form.objects.filter(family="society-survey", is_current=True).prefetch_related("questions__options").first()
    if form is None:
        return 0
    # Surveys open and close at nine in the morning, London time, as a committee would send them.
    nine = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    # Three weeks ending two days ago, within this academic year (in its first days, still open).
    year_began = timezone.make_aware(dt.datetime.combine(AcademicYear.current().starts_on, dt.time(9)))
    opens_at = max(nine - dt.timedelta(days=23), year_began)
    closes_at = max(nine - dt.timedelta(days=2), opens_at + dt.timedelta(days=3))
    current = _survey(form, title=SURVEY_TITLE, opens_at=opens_at, closes_at=closes_at)
    last_year = AcademicYear(AcademicYear.current().start_year - 1)
    month, day, open_for = LAST_YEAR_SURVEY
    opens_at = timezone.make_aware(dt.datetime.combine(day_in(last_year, month, day), dt.time(9)))
    previous = _survey(form, title=last_year_survey_title(), opens_at=opens_at, closes_at=opens_at + open_for)
    pulse_form = Form.objects.filter(title=PULSE_FORM_TITLE, is_current=True).first() or services.create_form(
        title=PULSE_FORM_TITLE, purpose=FormPurpose.SURVEY, by=None, questions=PULSE_QUESTIONS
    )
    pulse = _survey(
        pulse_form, title=PULSE_TITLE, opens_at=nine - dt.timedelta(days=1), closes_at=nine + dt.timedelta(days=13)
    )
    given = (
        _answer_survey(current, form, domain, rng, SURVEY_SAMPLE)
        + _answer_survey(previous, form, domain, rng, LAST_YEAR_SAMPLE)
        + _answer_survey(pulse, pulse_form, domain, rng, PULSE_SAMPLE)
    )
    services.release_due()
    return given


def last_year_survey_title() -> str:
    """The title of last academic year's demo survey (it names the year)."""
    return f"Annual society survey {AcademicYear(AcademicYear.current().start_year - 1).label} (demo)"


def _seed_codings(domain: str) -> int:
    """The committee's coding of the released comments on what went well and what the society
    gives: the chair codes them all; a second coder codes last year's survey comments too,
    never ticking SECOND_CODER_SKIPS, and the chair resolves where they differ. Returns how many
    comments the chair coded."""
    chair = Member.objects.filter(email=f"committee@{domain}").first()
    second = Member.objects.filter(email=f"teacher6@{domain}").first()
    if chair is None or second is None:
        return 0
    codes = {code.name: code for code in Code.objects.all()}

    def codes_for(answer, *, skip=frozenset()) -> list[Code]:
        names = CODED[answer.question.metric_key].get(answer.text, [])
        return [codes[name] for name in names if name in codes and name not in skip]

    coded = 0
    for answer in _uncoded(chair, CommentFilters()):
        save_coding(answer=answer, coder=chair, codes=codes_for(answer))
        coded += 1
    last_survey = CommentFilters(surveys=Survey.objects.filter(title=last_year_survey_title()))
    for answer in _uncoded(second, last_survey):
        own, agreed = codes_for(answer, skip=SECOND_CODER_SKIPS), codes_for(answer)
        save_coding(answer=answer, coder=second, codes=own)
        if own != agreed:
            resolve_coding(answer=answer, resolver=chair, codes=agreed)
    return coded


def _uncoded(coder: Member, filters: CommentFilters):
    """The comments with codes in CODED that `coder` has not coded, in the order offered to coders."""
    return comments_for_coder(coder=coder, filters=filters).filter(question__metric_key__in=list(CODED))


def seed_feedback(*, domain: str) -> tuple[int, int, int]:
    """Add demo session feedback, survey answers and codings; returns how many of each were added."""
    rng = random.Random(2027)  # noqa: S311 -- demo data, the same every time; nothing secret
    return _seed_session_feedback(rng), _seed_surveys(domain, rng), _seed_codings(domain)
