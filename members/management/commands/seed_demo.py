from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from members.enums import Role
from members.models import Member

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
                member.set_password(DEMO_PASSWORD)
                member.save(update_fields=["password"])
                created += 1
            member.groups.add(*(groups[role] for role in roles))
            EmailAddress.objects.get_or_create(user=member, email=email, defaults={"primary": True, "verified": True})
            role_text = "admin" if is_admin else (", ".join(r.value for r in roles) or "attendee")
            rows.append(f"  {email:<32} {('year ' + str(year)) if year else '':<8} {role_text}")
        sessions_created = _seed_sessions(domain)
        _seed_applications(domain)
        from attendance.demo import seed_attendance

        registrations = seed_attendance(domain=domain, password=DEMO_PASSWORD)
        from feedback.demo import seed_feedback

        feedback_given, survey_answers = seed_feedback(domain=domain)
        self.stdout.write(f"Demo members ready ({created} created). Every demo password is: {DEMO_PASSWORD}")
        self.stdout.write(
            f"Demo sessions ready ({sessions_created} created); {registrations} demo registrations added."
        )
        self.stdout.write(
            f"Demo feedback: {feedback_given} session responses and {survey_answers} survey answers added."
        )
        self.stdout.write("\n".join(rows))


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
]


def _seed_sessions(domain: str) -> int:
    import datetime as dt

    from django.utils import timezone

    from events.models import Series, Session
    from events.services import create_session
    from teachers.enums import TeachingRole
    from teachers.services import add_to_roster

    series, _ = Series.objects.get_or_create(
        title="Year 2 pathology revision", defaults={"description": "Weekly revision before the summer exams."}
    )
    today = timezone.localdate()
    created = 0
    for title, topic, days, hour, hours, format_, years, lead, status in DEMO_SESSIONS:
        if Session.objects.filter(title=title).exists():
            continue
        starts_at = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=days), dt.time(hour)))
        teacher = Member.objects.get(email=f"{lead}@{domain}")
        session = create_session(
            created_by=teacher,
            title=title,
            topic=topic,
            format=format_,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(hours=hours),
            target_years=years,
            series=series if topic == "Pathology" else None,
            description=f"A near-peer session on {topic.lower()} for years {', '.join(map(str, years))}.",
            venue="" if format_ == "online" else "Lecture Theatre 1, Sir Alexander Fleming Building",
            meeting_url="" if format_ == "in_person" else "https://teams.microsoft.com/l/meetup-join/demo",
            capacity=None if format_ == "online" else 40,
            online_capacity=60 if format_ == "hybrid" else None,
            status=status,
        )
        add_to_roster(session=session, teacher=teacher, role=TeachingRole.LEAD)
        created += 1
    return created


DEMO_APPLICATIONS = [
    ("teacher4", "Cardiology, pathology", ["helping_others", "consolidating_knowledge"], True),
    ("teacher5", "Renal and respiratory physiology", ["transferable_skills", "career"], True),
    ("teacher6", "OSCEs, prescribing", ["helping_others", "enjoyment", "community"], True),
    ("student5", "Neurology, clinical skills", ["career", "helping_others"], False),
]


def _seed_applications(domain: str) -> None:
    from teachers.models import ApplicationMotivation, TeacherApplication

    committee = Member.objects.get(email=f"committee@{domain}")
    for local, subjects, motivations, approved in DEMO_APPLICATIONS:
        member = Member.objects.get(email=f"{local}@{domain}")
        if TeacherApplication.objects.filter(member=member).exists():
            continue
        # Written directly: these teachers are already in the Teachers group (seeded above).
        application = TeacherApplication.objects.create(
            member=member,
            subjects=subjects,
            year_of_study=member.year_of_study,
            status="approved" if approved else "pending",
            decided_by=committee if approved else None,
        )
        ApplicationMotivation.objects.bulk_create(
            [ApplicationMotivation(application=application, motivation=m) for m in motivations]
        )
