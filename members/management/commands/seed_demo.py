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
        self.stdout.write(f"Demo members ready ({created} created). Every demo password is: {DEMO_PASSWORD}")
        self.stdout.write("\n".join(rows))
