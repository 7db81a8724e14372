"""Pagination that never counts a whole district.

Django's Paginator counts every matching row (`SELECT COUNT(*)`) to number the pages; over a
million people that count, not the page, is most of a list's time. CappedPaginator counts at
most `cap` + 1 rows (`SELECT COUNT(*) FROM (… LIMIT cap + 1)`): below the cap it behaves
exactly like Paginator; above it the list says "more than N", pages are numbered without a
total, and whether there is a next page is learnt by fetching one row more than the page.
Page numbers stop at MAX_PAGE so that nobody makes the database skip a million rows: a
list that long is meant to be narrowed with its filters.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.paginator import EmptyPage, InvalidPage, Page, PageNotAnInteger, Paginator

MAX_PAGE = 200


def count_cap() -> int:
    return int(getattr(settings, "WANGGE_COUNT_CAP", 1000))


def bounded_count(qs, cap: int | None = None) -> tuple[int, bool]:
    """(count, capped): the rows of `qs`, counted up to `cap` only (then capped is True and the
    count is `cap`): for a figure shown beside a list ("more than 20,000")."""
    paginator = CappedPaginator(qs, 1, cap=cap)
    return paginator.count, paginator.capped


class CappedPage(Page):
    def __init__(self, object_list, number, paginator, more: bool | None = None):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        if self.more is None:
            return super().has_next()
        return self.more

    def end_index(self) -> int:
        if self.more is None:
            return super().end_index()
        return self.start_index() + len(self.object_list) - 1 if self.object_list else 0


class CappedPaginator(Paginator):
    """A Paginator whose count stops at `cap` (then `capped` is True and `count` is `cap`)."""

    def __init__(self, object_list, per_page, cap: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap if cap is not None else count_cap()

    @cached_property
    def _bounded_count(self) -> int:
        ol: Any = self.object_list
        if hasattr(ol, "count_upto"):
            return ol.count_upto(self.cap + 1)
        if not (hasattr(ol, "order_by") and hasattr(ol, "query")):
            return len(ol[: self.cap + 1])
        q = ol.query
        if not (q.combinator or q.distinct or q.group_by is not None or q.values_select):
            # Only the rows are counted: the page's annotations (subqueries per row) are not.
            ol = ol.values("pk")
        return ol.order_by()[: self.cap + 1].count()

    @cached_property
    def capped(self) -> bool:
        return self._bounded_count > self.cap

    @cached_property
    def count(self) -> int:
        return min(self._bounded_count, self.cap)

    @cached_property
    def num_pages(self) -> int:
        if self.capped:
            return MAX_PAGE  # an upper bound: the pages are not numbered against a total
        return super().num_pages

    def validate_number(self, number) -> int:
        if not self.capped:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return min(number, MAX_PAGE)

    def page(self, number) -> Page:
        number = self.validate_number(number)
        if not self.capped:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        more = len(rows) > self.per_page and number < MAX_PAGE
        return CappedPage(rows[: self.per_page], number, self, more=more)

    def get_page(self, number) -> Page:
        try:
            return self.page(number)
        except PageNotAnInteger:
            return self.page(1)
        except InvalidPage:
            if not self.capped:
                return self.page(self.num_pages)
            return self.page(1)

    @property
    def pages_label(self) -> str:
        return "" if self.capped else str(math.ceil(self.count / self.per_page) if self.count else 1)


class PathChain:
    """The rows of a queryset ordered by path first, read one path at a time.

    Every registry row copies its grid's path, so "ordered by path, then by X" is the grids in
    path order, each ordered by X. Sorting a district's 300,000 households by (path, X) when X is
    computed per row (the last visit, say) costs seconds; reading grid by grid touches only the
    grids the page needs, each through an equality on `path`. `paths` are the candidate paths in
    order (those with no row cost one empty query each). Works with CappedPaginator: it counts
    with `count_upto` and slices like a list.
    """

    ordered = True

    def __init__(self, qs, paths: list[str], order: tuple, known_count: int | None = None):
        self.qs = qs
        self.paths = paths
        self.order = order
        self.known_count = known_count  # counted already (up to some cap), e.g. by ordered_by_path

    def _of(self, path: str):
        return self.qs.filter(path=path)

    def count_upto(self, limit: int) -> int:
        if self.known_count is not None:
            return min(self.known_count, limit)
        total = 0
        for path in self.paths:
            total += self._of(path).order_by().values("pk")[: limit - total].count()
            if total >= limit:
                break
        return total

    def __getitem__(self, item):
        if not isinstance(item, slice) or item.step not in (None, 1):
            raise TypeError("PathChain supports slices only")
        start, stop = item.start or 0, item.stop
        rows: list = []
        pos = 0  # where the current path's rows begin in the whole chain, while still before `start`
        for path in self.paths:
            if stop is not None and len(rows) >= stop - start:
                break
            group = self._of(path).order_by(*self.order)
            offset = 0
            if pos < start:
                skip = start - pos
                n = group.order_by().values("pk")[: skip + 1].count()
                if n <= skip:
                    pos += n
                    continue
                offset, pos = skip, start
            want = None if stop is None else stop - start - len(rows)
            rows.extend(group[offset : offset + want] if want is not None else group[offset:])
        return rows


def ordered_by_path(qs, paths_of: Callable[[], list[str]], order: tuple, cap: int | None = None):
    """`qs` ordered by (path, *order): the queryset itself when it holds at most `cap` rows
    (sorting that few costs nothing), else a PathChain over the paths `paths_of()` gives."""
    cap = count_cap() if cap is None else cap
    n = qs.order_by().values("pk")[: cap + 1].count()
    if n <= cap:
        return qs.order_by("path", *order)
    return PathChain(qs, paths_of(), order, known_count=n)
