"""The migration that gave the roster a year of study fills it, for entries made before, with the
teacher's current year (the best known), and leaves a recorded year alone."""

from importlib import import_module

import pytest
from django.apps import apps

from teachers.models import RosterEntry
from tests.events.factories import SessionFactory
from tests.factories import MemberFactory
from tests.teachers.factories import RosterEntryFactory

pytestmark = pytest.mark.django_db

backfill = import_module("teachers.migrations.0005_roster_year_of_study").backfill


def test_entries_without_a_year_take_the_teachers_current_year_and_recorded_ones_stay():
    fifth, sixth, staff = (MemberFactory(year_of_study=year) for year in (5, 6, None))
    unrecorded = [
        RosterEntryFactory(session=SessionFactory(), teacher=who, year_of_study=None) for who in (fifth, sixth, staff)
    ]
    recorded = RosterEntryFactory(session=SessionFactory(), teacher=fifth, year_of_study=4)

    backfill(apps, None)

    years = dict(RosterEntry.objects.values_list("pk", "year_of_study"))
    assert [years[entry.pk] for entry in unrecorded] == [5, 6, None]
    assert years[recorded.pk] == 4
