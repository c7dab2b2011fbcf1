"""Demo attendance for `seed_demo`: registers across years and formats for the sessions that
have ended, this academic year and the one before.

Writes registrations directly (the registration service rightly refuses sessions that have
started), each recording the member's year of study in the session's academic year
(`members.demo.year_then`): last year's rows say last year's year. Completed sessions get a
register taken (present, late, absent, excused, walk-ins); published sessions that have ended
stand for those whose register nobody took, and get registrations only. Early years come more
often than later years, as the society's evaluation found.

Deterministic, and idempotent: sessions that already have registrations are left alone.
"""

import datetime as dt
import random

from allauth.account.models import EmailAddress
from django.db.models import Exists, OuterRef
from django.utils import timezone

from attendance.enums import AttendanceSource, AttendanceStatus, Mode, RegistrationState
from attendance.models import RegisterTaken, Registration
from attendance.services import issue_attendance_certificate
from certificates.models import Certificate
from events.enums import SessionFormat, SessionStatus
from events.models import Session
from members.academic_year import AcademicYear
from members.demo import password_hash, year_then
from members.models import Member

FIRST_NAMES = [
    "Amara",
    "Ben",
    "Chloe",
    "Dev",
    "Ella",
    "Femi",
    "Grace",
    "Hassan",
    "Isla",
    "Jack",
    "Kiran",
    "Leah",
    "Maya",
    "Noah",
    "Olu",
    "Priti",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Umar",
    "Vera",
    "Will",
    "Zara",
]
LAST_NAMES = [
    "Ahmed",
    "Brooks",
    "Chen",
    "Davies",
    "Evans",
    "Fisher",
    "Green",
    "Hughes",
    "Iqbal",
    "Jones",
    "Kaur",
    "Lewis",
    "Morgan",
    "Nwosu",
    "Owen",
    "Patel",
    "Quist",
    "Reid",
    "Singh",
    "Taylor",
    "Usman",
    "Vaughan",
    "Walsh",
    "Young",
]
# More attendees, so that each year (and each band) has enough people for its figures to be
# shown: six more in each of years 1–6, then members who graduated at this year's rollover
# (last year's year 6).
MORE_FIRST_NAMES = (
    "Aaron Bethany Callum Daisy Ethan Freya George Hannah Ibrahim Jasmine Kieran Lily Mohammed Niamh Oscar "
    "Phoebe Rhys Sophie Theo Uma Victor Willow Yusuf Zoe Adam Bella Cameron Divya Eleanor Finn Georgia "
    "Harvey Imogen Joel Kavya Lewis Megan Nathan Orla Patrick Ruby Stefan Tilly Yasmin"
).split()
MORE_PER_YEAR = 6
# The chance that a registered member of an early year (1–2) or a later year (3–6) comes.
COMES = {True: 0.8, False: 0.45}


def _member_rows() -> list[tuple[str, str, int, bool]]:
    """(first name, last name, year of study, has graduated) of every demo attendee."""
    rows = [
        (first, last, index % 6 + 1, False)
        for index, (first, last) in enumerate(zip(FIRST_NAMES, LAST_NAMES, strict=True))
    ]
    for index, first in enumerate(MORE_FIRST_NAMES):
        last = LAST_NAMES[(index * 7 + 3) % len(LAST_NAMES)]
        in_years = index < 6 * MORE_PER_YEAR
        rows.append((first, last, index % 6 + 1 if in_years else 6, not in_years))
    return rows


def _attendees(domain: str, password: str) -> list[Member]:
    """The demo attendees, creating those missing (in two inserts, with their verified addresses)."""
    rows = {f"{row[0].lower()}.{row[1].lower()}@{domain}": row for row in _member_rows()}
    existing = set(Member.objects.filter(email__in=rows).values_list("email", flat=True))
    graduated_on = AcademicYear.current().starts_on
    created = Member.objects.bulk_create(
        Member(
            email=email,
            first_name=first,
            last_name=last,
            year_of_study=year,
            # Graduates left at the rollover that began this year, and can no longer sign in.
            is_active=not graduated,
            graduated_on=graduated_on if graduated else None,
            password=password_hash(password),
        )
        for email, (first, last, year, graduated) in rows.items()
        if email not in existing
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user_id=member.pk, email=member.email, primary=True, verified=True)
        for member in Member.objects.filter(email__in=[member.email for member in created])
    )
    members = {member.email: member for member in Member.objects.filter(email__in=rows)}
    return [members[email] for email in rows]


def _mode(session: Session, rng: random.Random) -> str:
    if session.format == SessionFormat.HYBRID:
        return Mode.ONLINE if rng.random() < 0.55 else Mode.IN_PERSON
    return Mode.ONLINE if session.format == SessionFormat.ONLINE else Mode.IN_PERSON


def _attended(session: Session, registration: Registration, rng: random.Random) -> None:
    """Mark `registration` present or late, checked in by QR code in the room or on the
    register online; now and then a hybrid registrant comes the other way."""
    late = rng.random() < 0.15
    mode = registration.mode
    if session.format == SessionFormat.HYBRID and rng.random() < 0.1:
        mode = Mode.IN_PERSON if mode == Mode.ONLINE else Mode.ONLINE
    registration.attendance = AttendanceStatus.LATE if late else AttendanceStatus.PRESENT
    registration.attended_mode = mode
    if mode == Mode.IN_PERSON:
        registration.attendance_source = AttendanceSource.QR
        minutes = rng.randint(12, 25) if late else rng.randint(-10, 4)
        registration.checked_in_at = session.starts_at + dt.timedelta(minutes=minutes)
    else:
        registration.attendance_source = AttendanceSource.TEACHER


def _registration(session: Session, member: Member, year: int, rng: random.Random, *, has_register: bool):
    """One eligible member's row, or None: most register; of those, some cancel, and the rest
    come, miss it (absent, or blank once the register is taken) or send apologies (excused).
    Some who never registered walk in to an in-person session."""
    registration = Registration(
        session=session,
        member=member,
        mode=_mode(session, rng),
        state=RegistrationState.REGISTERED,
        year_of_study=year,
        queued_at=session.starts_at - dt.timedelta(days=rng.randint(1, 14), hours=rng.randint(0, 12)),
    )
    if rng.random() < 0.2:
        if not has_register or session.format == SessionFormat.ONLINE or rng.random() > 0.2:
            return None
        registration.mode, registration.is_walk_in, registration.queued_at = Mode.IN_PERSON, True, session.starts_at
        _attended(session, registration, rng)
        return registration
    if rng.random() < 0.05:
        registration.state = RegistrationState.CANCELLED
        registration.cancelled_at = registration.queued_at + dt.timedelta(days=1)
        return registration
    if not has_register:
        return registration
    if rng.random() < COMES[year <= 2]:
        _attended(session, registration, rng)
    else:
        registration.attendance = rng.choices(
            [AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED, ""], weights=[5, 2, 3]
        )[0]
        registration.attendance_source = AttendanceSource.TEACHER if registration.attendance else ""
    return registration


def seed_attendance(*, domain: str, password: str) -> int:
    """Add registrations to every held session that has ended and has none, and a register to
    the completed ones; returns how many registrations were added (written in one insert)."""
    rng = random.Random(2026)  # noqa: S311 -- demo data, the same every time; nothing secret
    attendees = _attendees(domain, password)
    sessions = (
        Session.objects.filter(status__in=SessionStatus.held, ends_at__lte=timezone.now())
        .filter(~Exists(Registration.objects.filter(session=OuterRef("pk"))))
        .prefetch_related("target_years", "roster")
        .order_by("starts_at", "pk")
    )
    registrations, registers = [], []
    for session in sessions:
        has_register = session.status == SessionStatus.COMPLETED
        academic_year = AcademicYear.containing(timezone.localdate(session.starts_at))
        years = {target.year for target in session.target_years.all()}
        teachers = [entry.teacher_id for entry in session.roster.all()]  # the lead first
        for member in attendees:
            year = year_then(member, academic_year)
            if year not in years or member.pk in teachers:
                continue
            if registration := _registration(session, member, year, rng, has_register=has_register):
                registrations.append(registration)
        if has_register:
            registers.append(
                RegisterTaken(
                    session=session,
                    taken_by_id=teachers[0] if teachers else None,
                    taken_at=session.ends_at + dt.timedelta(minutes=rng.randint(5, 90)),
                )
            )
    Registration.objects.bulk_create(registrations)
    RegisterTaken.objects.bulk_create(registers)
    return len(registrations)


# The printed demo student who has a certificate of attendance, and the session it is for (year 1,
# ended a fortnight ago).
CERTIFIED_STUDENT = "student1"
CERTIFIED_SESSION = "Respiratory physiology"


def seed_certificate(*, domain: str) -> Certificate | None:
    """Give the printed demo student CERTIFIED_STUDENT a place at CERTIFIED_SESSION, marked
    present when the register was taken, and their certificate of attendance, so a newcomer can
    sign in as them, download it and check its code. Idempotent: the same certificate each time."""
    member = Member.objects.filter(email=f"{CERTIFIED_STUDENT}@{domain}").first()
    session = Session.objects.filter(title=CERTIFIED_SESSION, status=SessionStatus.COMPLETED).first()
    if member is None or session is None:
        return None
    registration, _ = Registration.objects.get_or_create(
        session=session,
        member=member,
        defaults={
            "mode": Mode.IN_PERSON,
            "state": RegistrationState.REGISTERED,
            "year_of_study": member.year_of_study,
            "queued_at": session.starts_at - dt.timedelta(days=5),
            "attendance": AttendanceStatus.PRESENT,
            "attended_mode": Mode.IN_PERSON,
            "attendance_source": AttendanceSource.QR,
            "checked_in_at": session.starts_at - dt.timedelta(minutes=3),
        },
    )
    if registration.attendance not in AttendanceStatus.attended:
        return None
    return issue_attendance_certificate(registration=registration)
