import datetime as dt

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from attendance.demo import CERTIFIED_SESSION, seed_attendance, seed_certificate
from events.enums import SessionFormat, SessionStatus
from events.models import Series, Session
from events.services import cancel_session, create_session
from feedback.demo import seed_feedback
from meded.links import url_for
from members.academic_year import AcademicYear
from members.demo import as_then, day_in, password_hash, year_then
from members.enums import Role
from members.models import Member
from teachers.enums import ApplicationStatus, TeachingRole
from teachers.models import ApplicationMotivation, TeacherApplication
from teachers.services import add_to_roster

DEMO_PASSWORD = "meded-demo"  # noqa: S105 -- published demo login, printed by the command itself

# (local part, first name, last name, year of study, roles, is admin)
DEMO_MEMBERS = [
    ("admin", "Alex", "Admin", None, [], True),
    ("committee", "Chloe", "Chair", 4, [Role.COMMITTEE], False),
    ("teacher4", "Tom", "Okafor", 4, [Role.TEACHER], False),
    ("teacher5", "Priya", "Shah", 5, [Role.TEACHER], False),
    ("teacher6", "Sam", "Nguyen", 6, [Role.TEACHER, Role.COMMITTEE], False),
    ("student1", "Aisha", "Khan", 1, [], False),
    ("student2", "Ben", "Williams", 2, [], False),
    ("student3", "Chen", "Li", 3, [], False),
    ("student4", "Daniel", "Evans", 4, [], False),
    ("student5", "Emma", "Jones", 5, [], False),
    ("student6", "Farah", "Ali", 6, [], False),
    # More student-teachers, so that the teaching figures (and the survey's question for
    # teachers) have enough people to be shown.
    ("omar.haddad", "Omar", "Haddad", 4, [Role.TEACHER], False),
    ("kwame.mensah", "Kwame", "Mensah", 5, [Role.TEACHER], False),
    ("lucy.hart", "Lucy", "Hart", 6, [Role.TEACHER], False),
    ("hannah.price", "Hannah", "Price", 6, [Role.TEACHER], False),
    ("grace.osei", "Grace", "Osei", 3, [Role.TEACHER], False),
    ("ravi.menon", "Ravi", "Menon", 5, [Role.TEACHER], False),
]


class Command(BaseCommand):
    help = "Create demo members (admin, committee, teachers, attendees in years 1–6). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Seed even with DEBUG off (demo logins have a published password)."
        )

    @transaction.atomic
    def handle(self, *args, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError("DEBUG is off: demo members have a published password. Use --force if you mean it.")
        domain = (settings.ALLOWED_EMAIL_DOMAINS or ["example.ac.uk"])[0]
        groups = {role: Group.objects.get_or_create(name=role.group_name)[0] for role in Role}
        created = 0
        rows = []
        for local, first, last, year, roles, is_admin in DEMO_MEMBERS:
            email = f"{local}@{domain}"
            member, was_created = Member.objects.get_or_create(
                email=email,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "year_of_study": year,
                    "is_staff": is_admin,
                    "is_superuser": is_admin,
                },
            )
            if was_created:
                member.password = password_hash(DEMO_PASSWORD)
                member.save(update_fields=["password"])
                created += 1
            member.groups.add(*(groups[role] for role in roles))
            EmailAddress.objects.get_or_create(user=member, email=email, defaults={"primary": True, "verified": True})
            role_text = "admin" if is_admin else (", ".join(r.value for r in roles) or "attendee")
            rows.append(f"  {email:<32} {('year ' + str(year)) if year else '':<8} {role_text}")
        sessions_created = _seed_sessions(domain)
        _seed_applications(domain)
        registrations = seed_attendance(domain=domain, password=DEMO_PASSWORD)
        certificate = seed_certificate(domain=domain)
        feedback_given, survey_answers, codings = seed_feedback(domain=domain)
        self.stdout.write(f"Demo members ready ({created} created). Every demo password is: {DEMO_PASSWORD}")
        self.stdout.write(
            f"Demo sessions ready ({sessions_created} created); {registrations} demo registrations added."
        )
        self.stdout.write(
            f"Demo feedback: {feedback_given} session responses and {survey_answers} survey answers added; "
            f"{codings} comments coded."
        )
        self.stdout.write("\n".join(rows))
        if certificate:
            self.stdout.write(
                f"{certificate.holder.email} attended “{CERTIFIED_SESSION}” and has a certificate of attendance: "
                f"{url_for('certificates:verify', certificate.code)}"
            )
        self.stdout.write(
            f"teacher4@{domain} has a teaching portfolio with feedback: sign in and open {url_for('portfolio:mine')}"
        )


# (title, topic, days from today, start hour, hours, format, years, lead, status)
DEMO_SESSIONS = [
    ("Cardiac cycle and heart sounds", "Cardiology", 7, 18, 1.5, "in_person", [1, 2], "teacher4", "published"),
    ("Renal physiology made simple", "Renal", 9, 18, 1, "online", [1, 2], "teacher5", "published"),
    ("Pathology of inflammation", "Pathology", 14, 17, 2, "hybrid", [2], "teacher4", "published"),
    ("ECG interpretation workshop", "Cardiology", 16, 18, 2, "in_person", [3, 4], "teacher6", "published"),
    ("OSCE: history taking", "Clinical skills", 21, 10, 3, "in_person", [3, 4, 5], "teacher6", "published"),
    ("Prescribing safety assessment", "Pharmacology", 28, 18, 1.5, "online", [5, 6], "teacher6", "published"),
    ("Acid–base balance", "Renal", 30, 18, 1, "online", [2, 3], "teacher5", "submitted"),
    ("Neuroanatomy of the cranial nerves", "Neurology", 35, 18, 1.5, "in_person", [1, 2], "teacher4", "draft"),
    ("Respiratory physiology", "Respiratory", -14, 18, 1.5, "in_person", [1], "teacher5", "completed"),
    ("Microbiology revision", "Pathology", -7, 18, 1, "online", [2], "teacher4", "completed"),
    ("Clinical pharmacology", "Pharmacology", -21, 18, 1.5, "hybrid", [3, 4], "teacher6", "completed"),
    ("Finals SBA practice", "Revision", -28, 17, 2, "online", [5, 6], "teacher6", "completed"),
    ("Anatomy of the thorax", "Anatomy", -35, 18, 1, "in_person", [1, 2], "teacher4", "completed"),
    ("The acutely unwell patient", "Acute medicine", -42, 18, 1.5, "hybrid", [4, 5, 6], "teacher6", "completed"),
    ("Haematology made simple", "Haematology", -49, 18, 1, "online", [2, 3], "teacher5", "completed"),
    ("Clinical examination: respiratory", "Clinical skills", -56, 18, 2, "in_person", [3, 4], "teacher6", "completed"),
    ("Osteology of the upper limb", "Anatomy", -63, 18, 1.5, "in_person", [1, 2], "teacher4", "completed"),
    ("Study skills for medicine", "Study skills", -77, 18, 1, "in_person", [1], "teacher5", "completed"),
]

# Last academic year's programme: (title, topic, (month, day), start hour, hours, format, years,
# lead). Completed, unless cancelled (CANCELLATIONS) or left without a register (NO_REGISTER).
# Its teachers are those approved by then (DEMO_APPLICATIONS).
HISTORY_SESSIONS = [
    ("How to learn anatomy", "Anatomy", (10, 7), 18, 1.5, "in_person", [1], "teacher4"),
    ("Clinical examination: cardiovascular", "Clinical skills", (10, 9), 18, 2, "in_person", [3], "teacher6"),
    ("Cell biology and histology basics", "Histology", (10, 14), 18, 1, "online", [1], "teacher5"),
    ("ECG basics", "Cardiology", (10, 16), 18, 1.5, "online", [3, 4], "teacher6"),
    ("Upper limb anatomy", "Anatomy", (10, 21), 18, 1.5, "in_person", [1, 2], "teacher4"),
    ("Chest X-ray interpretation", "Radiology", (10, 30), 18, 1, "online", [3, 4, 5], "lucy.hart"),
    ("Cardiovascular physiology", "Cardiology", (11, 4), 18, 1.5, "hybrid", [1, 2], "teacher5"),
    ("Metabolism made memorable", "Biochemistry", (11, 11), 18, 1, "online", [1], "kwame.mensah"),
    ("Acute kidney injury", "Renal", (11, 13), 18, 1, "hybrid", [4, 5], "teacher5"),
    ("OSCE: abdominal examination", "Clinical skills", (11, 22), 10, 3, "in_person", [3, 4], "teacher6"),
    ("Respiratory mechanics", "Respiratory", (11, 25), 18, 1, "online", [1, 2], "teacher5"),
    ("Pharmacokinetics for beginners", "Pharmacology", (12, 2), 18, 1, "online", [2], "teacher6"),
    ("Sepsis and the deteriorating patient", "Acute medicine", (12, 4), 18, 1.5, "online", [4, 5, 6], "hannah.price"),
    ("The febrile child", "Paediatrics", (1, 15), 18, 1, "online", [4, 5], "lucy.hart"),
    ("Lower limb anatomy", "Anatomy", (1, 20), 18, 1.5, "in_person", [1, 2], "teacher4"),
    ("Immunology: innate and adaptive", "Immunology", (1, 27), 18, 1, "hybrid", [2], "kwame.mensah"),
    ("Obstetric emergencies", "Obstetrics and gynaecology", (1, 29), 18, 1.5, "hybrid", [5, 6], "hannah.price"),
    ("Endocrine physiology", "Endocrinology", (2, 3), 18, 1.5, "online", [1, 2], "teacher5"),
    ("Arterial blood gases", "Respiratory", (2, 5), 18, 1, "online", [3, 4, 5], "teacher5"),
    ("Spinal cord tracts", "Neurology", (2, 10), 18, 1.5, "in_person", [2], "teacher4"),
    ("The mental state examination", "Psychiatry", (2, 19), 18, 1, "online", [4, 5], "teacher6"),
    ("Gastrointestinal physiology", "Gastroenterology", (2, 24), 18, 1, "online", [1, 2], "lucy.hart"),
    ("Cell injury and repair", "Pathology", (3, 3), 17, 2, "hybrid", [2], "teacher4"),
    ("Data interpretation: blood results", "Clinical chemistry", (3, 5), 18, 1.5, "online", [4, 5, 6], "kwame.mensah"),
    ("Haematology basics", "Haematology", (3, 10), 18, 1, "online", [1, 2], "kwame.mensah"),
    ("Prescribing safety assessment practice", "Pharmacology", (3, 12), 18, 2, "online", [5, 6], "teacher6"),
    ("Head and neck anatomy", "Anatomy", (3, 17), 18, 1.5, "in_person", [2], "omar.haddad"),
    ("OSCE: communication skills", "Clinical skills", (3, 21), 10, 3, "in_person", [3, 4, 5], "teacher6"),
    ("Finals SBA marathon", "Revision", (4, 23), 17, 2.5, "online", [5, 6], "teacher5"),
    ("Year 1 exam revision: physiology", "Revision", (4, 28), 17, 2, "online", [1], "teacher5"),
    ("Year 2 exam revision: pathology", "Pathology", (5, 5), 17, 2, "hybrid", [2], "teacher6"),
    ("Surgical emergencies", "Surgery", (5, 7), 18, 1.5, "hybrid", [4, 5, 6], "lucy.hart"),
    ("Anatomy spotter practice", "Anatomy", (5, 12), 17, 2, "in_person", [1, 2], "teacher4"),
    ("Foundation Programme applications", "Careers", (6, 4), 18, 1, "online", [5, 6], "teacher6"),
    ("Stroke and TIA", "Neurology", (6, 11), 18, 1, "online", [3, 4], "teacher5"),
]
CANCELLATIONS = {
    "Pharmacokinetics for beginners": "The teacher is on a clinical placement that week; we will run it in January.",
    "Obstetric emergencies": "It clashes with the rescheduled year 5 clinical skills assessment.",
}
NO_REGISTER = {"Data interpretation: blood results", "Haematology basics"}
# Sessions taught by two: the co-teacher's local part, by title.
CO_TEACHERS = {
    "Osteology of the upper limb": "grace.osei",
    "Pathology of inflammation": "grace.osei",
    "Clinical pharmacology": "ravi.menon",
    "The acutely unwell patient": "ravi.menon",
    "Clinical examination: cardiovascular": "lucy.hart",
    "Upper limb anatomy": "omar.haddad",
    "Acute kidney injury": "kwame.mensah",
    "OSCE: abdominal examination": "hannah.price",
    "Lower limb anatomy": "omar.haddad",
    "Prescribing safety assessment practice": "hannah.price",
    "Head and neck anatomy": "teacher4",
    "OSCE: communication skills": "omar.haddad",
    "Finals SBA marathon": "lucy.hart",
    "Year 1 exam revision: physiology": "hannah.price",
    "Anatomy spotter practice": "omar.haddad",
}


def _seed_sessions(domain: str) -> int:
    """This year's demo sessions (relative to today) and last year's programme; returns how many
    were created. Sessions are matched by title, so running again adds nothing."""
    series, _ = Series.objects.get_or_create(
        title="Year 2 pathology revision", defaults={"description": "Weekly revision before the summer exams."}
    )
    today = timezone.localdate()
    last_year = AcademicYear(AcademicYear.current().start_year - 1)
    created = 0
    for title, topic, days, hour, hours, format_, years, lead, status in DEMO_SESSIONS:
        starts_at = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=days), dt.time(hour)))
        fields = {"title": title, "topic": topic, "format": format_, "target_years": years, "status": status}
        created += _seed_session(domain, fields, starts_at=starts_at, hours=hours, lead=lead, series=series)
    for title, topic, (month, day), hour, hours, format_, years, lead in HISTORY_SESSIONS:
        starts_at = timezone.make_aware(dt.datetime.combine(day_in(last_year, month, day), dt.time(hour)))
        status = (
            SessionStatus.CANCELLED
            if title in CANCELLATIONS
            else SessionStatus.PUBLISHED
            if title in NO_REGISTER
            else SessionStatus.COMPLETED
        )
        fields = {"title": title, "topic": topic, "format": format_, "target_years": years, "status": status}
        created += _seed_session(
            domain, fields, starts_at=starts_at, hours=hours, lead=lead, series=series, taught_in=last_year
        )
    return created


def _seed_session(domain: str, fields: dict, *, starts_at, hours: float, lead: str, series, taught_in=None) -> bool:
    """Create one demo session with its roster, unless one of its title exists. A cancelled one
    is created unpublished and then cancelled, which sends nobody a message (the demo e-mails no
    one); `taught_in` (an earlier academic year) records the teachers' year of study then."""
    title, topic, years = fields["title"], fields["topic"], fields["target_years"]
    format_ = SessionFormat(fields["format"])
    if Session.objects.filter(title=title).exists():
        return False
    locals_ = [lead, *([CO_TEACHERS[title]] if title in CO_TEACHERS else [])]
    teachers = [Member.objects.get(email=f"{local}@{domain}") for local in locals_]
    if taught_in:
        teachers = [as_then(teacher, taught_in) for teacher in teachers]
    cancelled = fields["status"] == SessionStatus.CANCELLED
    session = create_session(
        created_by=teachers[0],
        **{**fields, "status": SessionStatus.SUBMITTED if cancelled else fields["status"]},
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=hours),
        series=series if topic == "Pathology" else None,
        description=f"A near-peer session on {topic.lower()} for years {', '.join(map(str, years))}.",
        venue="Lecture Theatre 1, Sir Alexander Fleming Building" if format_.has_venue else "",
        meeting_url="https://teams.microsoft.com/l/meetup-join/demo" if format_.has_link else "",
        capacity=40 if format_.has_venue else None,
        online_capacity=60 if format_ == SessionFormat.HYBRID else None,
    )
    for teacher, role in zip(teachers, (TeachingRole.LEAD, TeachingRole.CO_TEACHER), strict=False):
        add_to_roster(session=session, teacher=teacher, role=role)
    if cancelled:
        cancel_session(session=session, by=teachers[0], reason=CANCELLATIONS[title])
    return True


# (local part, subjects, motivations, status, (academic years ago, month, day) applied)
DEMO_APPLICATIONS = [
    ("teacher4", "Cardiology, pathology", ["helping_others", "consolidating_knowledge"], "approved", (1, 9, 8)),
    ("teacher5", "Renal and respiratory physiology", ["transferable_skills", "career"], "approved", (1, 9, 10)),
    ("teacher6", "OSCEs, prescribing", ["helping_others", "enjoyment", "community"], "approved", (1, 9, 12)),
    ("omar.haddad", "Anatomy", ["consolidating_knowledge", "helping_others"], "approved", (1, 9, 20)),
    ("kwame.mensah", "Biochemistry, immunology", ["transferable_skills", "helping_others"], "approved", (1, 9, 24)),
    ("lucy.hart", "Radiology, paediatrics", ["career", "transferable_skills", "enjoyment"], "approved", (1, 9, 29)),
    ("hannah.price", "Acute medicine", ["helping_others", "community", "transferable_skills"], "approved", (1, 10, 3)),
    ("ravi.menon", "Pharmacology", ["helping_others", "transferable_skills", "career"], "approved", (0, 9, 9)),
    ("grace.osei", "Anatomy", ["consolidating_knowledge", "helping_others", "enjoyment"], "approved", (0, 9, 16)),
    ("student5", "Neurology, clinical skills", ["career", "helping_others"], "pending", (0, 10, 20)),
]


def _seed_applications(domain: str) -> None:
    """The demo teachers' applications, dated in the year they applied (not after today); a
    member who has any application is left alone."""
    committee = Member.objects.get(email=f"committee@{domain}")
    current = AcademicYear.current()
    for local, subjects, motivations, status, (years_ago, month, day) in DEMO_APPLICATIONS:
        member = Member.objects.get(email=f"{local}@{domain}")
        if TeacherApplication.objects.filter(member=member).exists():
            continue
        year = AcademicYear(current.start_year - years_ago)
        applied_on = min(day_in(year, month, day), timezone.localdate())
        applied_at = timezone.make_aware(dt.datetime.combine(applied_on, dt.time(12)))
        approved = status == ApplicationStatus.APPROVED
        # Written directly: these teachers are already in the Teachers group (seeded above).
        application = TeacherApplication.objects.create(
            member=member,
            subjects=subjects,
            year_of_study=year_then(member, year),
            status=status,
            decided_by=committee if approved else None,
            decided_at=min(applied_at + dt.timedelta(days=4), timezone.now()) if approved else None,
            created_at=applied_at,
        )
        ApplicationMotivation.objects.bulk_create(
            [ApplicationMotivation(application=application, motivation=m) for m in motivations]
        )
