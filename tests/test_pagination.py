"""OneQueryPaginator reads a page and the number of rows in all in one query, and answers every
page number as Django's Paginator does."""

import pytest
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator

from meded.pagination import OneQueryPaginator
from members.models import Member
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def members():
    MemberFactory.create_batch(7)
    return Member.objects.order_by("pk")


@pytest.mark.parametrize("number", [1, 2, 3, "2"])
def test_each_page_is_django_paginators_page_in_one_query(members, django_assert_num_queries, number):
    expected = Paginator(members, 3).page(number)

    paginator = OneQueryPaginator(members, 3)
    with django_assert_num_queries(1):
        page = paginator.page(number)
        count, num_pages = paginator.count, paginator.num_pages

    assert [m.pk for m in page.object_list] == [m.pk for m in expected.object_list]
    assert (count, num_pages) == (7, 3)
    assert (page.number, page.has_next(), page.has_previous()) == (
        expected.number,
        expected.has_next(),
        expected.has_previous(),
    )
    assert (page.start_index(), page.end_index()) == (expected.start_index(), expected.end_index())


def test_a_page_past_the_end_is_an_empty_page(members):
    with pytest.raises(EmptyPage):
        OneQueryPaginator(members, 3).page(4)


@pytest.mark.parametrize("number", [0, -1])
def test_a_page_below_one_is_an_empty_page(members, number):
    with pytest.raises(EmptyPage):
        OneQueryPaginator(members, 3).page(number)


@pytest.mark.parametrize("number", ["two", None, "1.5"])
def test_a_page_that_is_not_a_number_is_refused(members, number):
    with pytest.raises(PageNotAnInteger):
        OneQueryPaginator(members, 3).page(number)


def test_an_empty_list_has_one_empty_first_page():
    paginator = OneQueryPaginator(Member.objects.none(), 3)
    page = paginator.page(1)
    assert (list(page.object_list), paginator.count, paginator.num_pages) == ([], 0, 1)


def test_a_paginator_already_counted_reads_the_page_as_django_does(members, django_assert_num_queries):
    paginator = OneQueryPaginator(members, 3)
    assert paginator.num_pages == 3  # counted first, as a view asking for the "last" page does
    with django_assert_num_queries(1):
        shown = list(paginator.page(paginator.num_pages).object_list)
    assert [m.pk for m in shown] == [m.pk for m in members][6:]


def test_orphans_are_refused(members):
    with pytest.raises(ValueError, match="orphans"):
        OneQueryPaginator(members, 3, orphans=1)
