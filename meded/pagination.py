"""A paginator that reads a page and the number of rows in all in one query.

Django's Paginator counts first (`SELECT COUNT(*)`) and then reads the page. `OneQueryPaginator`
reads the page with `COUNT(*) OVER ()` beside each row, which PostgreSQL and SQLite compute before
the LIMIT, so a list page makes one query instead of two. Only a page with no rows (an empty list, or
a page number past the end) counts on its own, to say which.
"""

from django.core.paginator import Paginator
from django.db.models import Count, QuerySet, Window

_TOTAL = "paginator_total"


class OneQueryPaginator(Paginator):
    def __init__(self, object_list: QuerySet, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        # Orphans would need the count before the page's bounds are known.
        if orphans:
            raise ValueError("OneQueryPaginator does not support orphans.")
        super().__init__(object_list, per_page, orphans, allow_empty_first_page, **kwargs)

    def page(self, number):
        if "count" in self.__dict__:  # counted already (num_pages was asked for first)
            return super().page(number)
        try:
            number = int(number)
        except (TypeError, ValueError):
            return super().page(number)  # raises PageNotAnInteger as Django's does
        if number < 1:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list.annotate(**{_TOTAL: Window(Count("pk"))})[bottom : bottom + self.per_page])
        if not rows:
            return super().page(number)  # empty, or past the end: Django's own count and errors
        self.count = getattr(rows[0], _TOTAL)  # Paginator.count is a cached_property
        return self._get_page(rows, number, self)
