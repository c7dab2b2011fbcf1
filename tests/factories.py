"""Members: the factories of the members app, used by every app's tests (kept at the top of
tests/ as everything builds on them)."""

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from members.enums import Role
from members.models import Member

PASSWORD = "correct-horse-battery"


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"member{n}@example.ac.uk")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    year_of_study = 3
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        """A verified primary address, as allauth keeps it; pass verified=False for an unverified one."""
        if create:
            EmailAddress.objects.create(user=obj, email=obj.email, primary=True, verified=extracted is not False)

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.groups.add(*(Group.objects.get_or_create(name=Role(role).group_name)[0] for role in extracted))


class StudentFactory(MemberFactory):
    """A member in year 2, the year the session factories' published sessions are for."""

    year_of_study = 2
