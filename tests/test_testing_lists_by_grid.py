"""A round's long lists (its people due, its untested) are read grid by grid above the count cap:
every row is on exactly one page, grids in path order, and the filters still apply."""

import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from wangge.testing.models import Due, DueStatus

pytestmark = pytest.mark.django_db


def walk(client: Client, url: str) -> list[int]:
    ids, page = [], 1
    while True:
        html = client.get(f"{url}{'&' if '?' in url else '?'}page={page}").content.decode()
        found = [int(x) for x in re.findall(r'data-due-id="(\d+)"', html)]
        ids.extend(found)
        if 'rel="next"' not in html or not found:
            return ids
        page += 1


def paths_in_order(ids: list[int]) -> list[str]:
    path_of = dict(Due.objects.filter(pk__in=ids).values_list("pk", "path"))
    seen: list[str] = []
    for pk in ids:
        if not seen or seen[-1] != path_of[pk]:
            seen.append(path_of[pk])
    return seen


@override_settings(WANGGE_COUNT_CAP=3, WANGGE_PAGE_SIZE=4)
def test_the_untested_list_reads_grid_by_grid_and_loses_nobody(testing):
    client = Client()
    client.force_login(testing.manager)
    ids = walk(client, reverse("testing:untested", kwargs={"round_id": testing.round.pk}))
    due = Due.objects.filter(round=testing.round, status=DueStatus.DUE)
    assert sorted(ids) == sorted(due.values_list("pk", flat=True)) and len(ids) == len(set(ids))
    grids = paths_in_order(ids)
    assert grids == sorted(grids) and len(grids) == len(set(grids))  # each grid once, in order
    assert len(grids) > 1


@override_settings(WANGGE_COUNT_CAP=3, WANGGE_PAGE_SIZE=5)
def test_the_people_due_list_reads_grid_by_grid_and_keeps_its_filters(testing):
    client = Client()
    client.force_login(testing.manager)
    url = reverse("testing:dues", kwargs={"round_id": testing.round.pk})
    ids = walk(client, url)
    assert sorted(ids) == sorted(Due.objects.filter(round=testing.round).values_list("pk", flat=True))
    grids = paths_in_order(ids)
    assert grids == sorted(grids) and len(grids) == len(set(grids))
    Due.objects.filter(pk=ids[0]).update(home_sampling=True)
    assert walk(client, url + "?home=1") == [ids[0]]


@override_settings(WANGGE_COUNT_CAP=3, WANGGE_PAGE_SIZE=4)
def test_a_long_list_never_sorts_the_whole_round(testing):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(testing.manager)
    for name in ("testing:untested", "testing:dues"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(name, kwargs={"round_id": testing.round.pk})).status_code == 200
        sorted_by_path = [q["sql"] for q in queries if re.search(r'ORDER BY "testing_due"\."path"', q["sql"])]
        assert sorted_by_path == [], name
