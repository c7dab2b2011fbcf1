"""Demo attendance for `seed_demo`: past sessions with realistic registers across years and formats.

Writes registrations directly (the registration service rightly refuses sessions that have
started). Deterministic, and idempotent: sessions that already have registrations are left alone.
"""

import random

from allauth.account.models import EmailAddress
from django.utils import timezone

from attendance.enums import AttendanceSource, AttendanceStatus, Mode, RegistrationState
from attendance.models import RegisterTaken, Registration
from events.enums import SessionFormat, SessionStatus
from events.models import Session
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


def _attendees(domain: str, password: str) -> list[Member]:
    members = []
    for index, (first, last) in enumerate(zip(FIRST_NAMES, LAST_NAMES, strict=True)):
        email = f"{first.lower()}.{last.lower()}@{domain}"
        member, created = Member.objects.get_or_create(
            email=email, defaults={"first_name": first, "last_name": last, "year_of_study": index % 6 + 1}
        )
        if created:
            member.set_password(password)
            member.save(update_fields=["password"])
            EmailAddress.objects.create(user=member, email=email, primary=True, verified=True)
        members.append(member)
    return members


def seed_attendance(*, domain: str, password: str) -> int:
    rng = random.Random(2026)  # noqa: S311 -- demo data, the same every time; nothing secret
    attendees = _attendees(domain, password)
    created = 0
    for session in Session.objects.filter(status=SessionStatus.COMPLETED).prefetch_related("target_years", "roster"):
        if session.registrations.exists():
            continue
        years = {target.year for target in session.target_years.all()}
        eligible = [m for m in attendees if m.year_of_study in years]
        for member in eligible:
            if rng.random() < 0.2:
                continue  # not everyone registers
            if session.format == SessionFormat.HYBRID:
                mode = Mode.ONLINE if rng.random() < 0.55 else Mode.IN_PERSON
            else:
                mode = Mode.ONLINE if session.format == SessionFormat.ONLINE else Mode.IN_PERSON
            # Early years come more often than later years, as the society's evaluation found.
            came = rng.random() < (0.8 if member.year_of_study <= 2 else 0.45)
            status = (AttendanceStatus.LATE if rng.random() < 0.15 else AttendanceStatus.PRESENT) if came else ""
            Registration.objects.create(
                session=session,
                member=member,
                mode=mode,
                state=RegistrationState.REGISTERED,
                year_of_study=member.year_of_study,
                attendance=status,
                attended_mode=mode if came else "",
                attendance_source=(AttendanceSource.QR if mode == Mode.IN_PERSON else AttendanceSource.TEACHER)
                if came
                else "",
                checked_in_at=session.starts_at if came and mode == Mode.IN_PERSON else None,
            )
            created += 1
        lead = next((e.teacher for e in session.roster.all()), None)
        RegisterTaken.objects.get_or_create(session=session, defaults={"taken_by": lead, "taken_at": timezone.now()})
    return created
