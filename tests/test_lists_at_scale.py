"""Lists stay fast at a million people (issue 13, item 9): counts stop at a cap, and the
duplicates page reads candidates computed in the background and says how fresh they are."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from stdnum.cn import ric

from tests.factories import make_user
from wangge.core.access import SYSTEM, scope_of
from wangge.core.paging import CappedPaginator
from wangge.registry import services
from wangge.registry.models import Building, DuplicateMember, DuplicateScan, DuplicateScanStatus, Person
from wangge.registry.people import candidates, dedupe

pytestmark = pytest.mark.django_db


def rid(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def household(grid, building="1号楼", number="101"):
    b = Building.objects.filter(grid=grid, name=building).first() or services.create_building(
        actor=SYSTEM, grid=grid, name=building, address="航空港路1号"
    )
    room = services.get_or_create_room(actor=SYSTEM, building=b, number=number)
    return services.create_household(actor=SYSTEM, room=room)


def register(h, name, body, **kw):
    return services.register_person(
        actor=SYSTEM, household=h, name=name, id_type="resident_id", id_number=rid(body), **kw
    )


@pytest.fixture
def crowd(world):
    """Twelve people in grid A (three households), one in grid B."""
    people = []
    for i in range(12):
        h = household(world.grid_a, number=f"{101 + i // 4}")
        people.append(register(h, f"居民{i:02d}", f"410102199001{i + 10:02d}001"))
    other = register(household(world.grid_b, building="乙楼"), "外格人", "41010219700101003")
    return people, other


def unbounded_counts(queries, table: str) -> list[str]:
    """COUNT queries over `table` without a LIMIT in them: an exact count of everything matching
    (a per-grid summary, GROUP BY, is a figure of its own, not a list's count)."""
    return [
        q["sql"]
        for q in queries
        if re.search(r"COUNT\(", q["sql"], re.I)
        and f'"{table}"' in q["sql"]
        and "LIMIT" not in q["sql"].upper()
        and "GROUP BY" not in q["sql"].upper()
    ]


# --- the paginator ---------------------------------------------------------------------


def test_below_the_cap_the_paginator_counts_exactly(crowd):
    paginator = CappedPaginator(Person.objects.order_by("pk"), 5, cap=100)
    assert not paginator.capped
    assert paginator.count == 13 and paginator.num_pages == 3
    assert len(paginator.get_page(3).object_list) == 3
    assert paginator.get_page(99).number == 3  # past the end: the last page, as Django's does


def test_above_the_cap_the_count_stops_and_pages_go_on_without_a_total(crowd):
    paginator = CappedPaginator(Person.objects.order_by("pk"), 5, cap=4)
    with CaptureQueriesContext(connection) as ctx:
        assert paginator.capped and paginator.count == 4
    assert len(ctx.captured_queries) == 1 and "LIMIT" in ctx.captured_queries[0]["sql"].upper()
    first, third = paginator.get_page(1), paginator.get_page(3)
    assert first.has_next() and not first.has_previous()
    assert [p.name for p in third.object_list] == ["居民10", "居民11", "外格人"]
    assert not third.has_next() and third.has_previous()
    assert third.start_index() == 11 and third.end_index() == 13
    assert paginator.get_page(4).number == 1  # past the end of an uncounted list: back to the start
    assert paginator.get_page("x").number == 1


# --- list pages never count the whole scope -----------------------------------------------


def test_the_people_list_counts_up_to_a_cap_and_says_more_than(world, crowd, monkeypatch):
    from wangge.registry.places import views as views_places

    monkeypatch.setattr(views_places, "LARGE_LIST", 5)
    leader = make_user("leader_a", world.grid_a, "grid_leader")
    with CaptureQueriesContext(connection) as ctx:
        response = client_for(leader).get(reverse("registry:people"))
    assert response.status_code == 200
    assert unbounded_counts(ctx.captured_queries, "registry_person") == []
    text = response.content.decode()
    assert "More than 5 active people" in text
    assert response.context["page_obj"].newest_first
    assert "外格人" not in text  # still scoped
    # With the departed too, both counts are capped.
    response = client_for(leader).get(reverse("registry:people"), {"departed": "on"})
    assert response.status_code == 200 and "More than 5 active people" in response.content.decode()


@pytest.mark.parametrize(
    ("url_name", "table"),
    [
        ("registry:people", "registry_person"),
        ("registry:buildings", "registry_building"),
        ("registry:rental_list", "registry_rental"),
        ("audit:event_list", "audit_auditevent"),
        ("roster:staff_list", "roster_staffmember"),
    ],
)
def test_list_pages_never_issue_an_unbounded_count(world, crowd, admin_user, settings, url_name, table):
    settings.WANGGE_COUNT_CAP = 2
    with CaptureQueriesContext(connection) as ctx:
        response = client_for(admin_user).get(reverse(url_name))
    assert response.status_code == 200
    assert any(f'"{table}"' in q["sql"] for q in ctx.captured_queries)
    assert unbounded_counts(ctx.captured_queries, table) == []


def test_a_capped_list_shows_more_than_and_a_next_link(world, crowd, admin_user, settings):
    settings.WANGGE_COUNT_CAP = 2
    settings.WANGGE_PAGE_SIZE = 2
    for i in range(3):
        services.create_building(actor=SYSTEM, grid=world.grid_a, name=f"{i + 2}号楼")
    response = client_for(admin_user).get(reverse("registry:buildings"))
    text = response.content.decode()
    assert "more than 2 in all" in text
    assert 'rel="next"' in text and "?page=2" in text
    page2 = client_for(admin_user).get(reverse("registry:buildings"), {"page": 2})
    assert page2.status_code == 200 and 'rel="prev"' in page2.content.decode()


# --- duplicates: computed in the background, read within the scope -----------------------------


@pytest.fixture
def twins(world):
    a = household(world.grid_a, building="甲楼")
    b = household(world.grid_b, building="乙楼")
    return (
        register(a, "重名", "11010519800110011", phone="13900001111"),
        register(a, "重名", "11010519800110027", phone="13900001111"),
        register(b, "重名", "11010519800110035"),
    )


def test_a_scan_stores_the_groups_of_the_whole_registry(twins):
    scan = candidates.request_refresh(dedupe.SAME_NAME_BIRTH)
    assert scan.status == DuplicateScanStatus.DONE and scan.finished_at and scan.groups == 1
    assert set(DuplicateMember.objects.filter(scan=scan).values_list("person_id", flat=True)) == {
        p.pk for p in twins
    }
    # A second scan replaces the first.
    again = candidates.request_refresh(dedupe.SAME_NAME_BIRTH)
    assert list(DuplicateScan.objects.filter(kind=dedupe.SAME_NAME_BIRTH)) == [again]


def test_a_group_page_is_read_within_the_scope(world, twins, grid_leader_a):
    scan = candidates.request_refresh(dedupe.SAME_NAME_BIRTH)
    page = candidates.group_page(scan, scope_of(grid_leader_a), include_departed=False, number=1, per_page=25)
    assert [{p.pk for p in g} for g in page.groups] == [{twins[0].pk, twins[1].pk}]
    # The grid-B twin is not shown, and a group with one person left in scope is dropped.
    leader_b = make_user("leader_b", world.grid_b, "grid_leader")
    page = candidates.group_page(scan, scope_of(leader_b), include_departed=False, number=1, per_page=25)
    assert page.groups == []


def test_the_duplicates_page_reads_stored_candidates_and_says_how_fresh(world, twins, grid_leader_a):
    client = client_for(grid_leader_a)
    url = reverse("registry:duplicates")
    first = client.get(url, {"kind": dedupe.SAME_NAME_BIRTH}).content.decode()  # nothing stored: computed now
    assert first.count('data-testid="duplicate-group"') == 1
    assert 'data-testid="duplicates-freshness"' in first and "Computed at" in first
    assert 'data-testid="duplicates-refresh"' in first
    # A new duplicate does not appear until the candidates are computed again: the page never
    # groups the registry itself.
    h = household(world.grid_a, building="丙楼")
    register(h, "新重名", "11010519900220011")
    register(h, "新重名", "11010519900220027")
    with CaptureQueriesContext(connection) as ctx:
        stale = client.get(url, {"kind": dedupe.SAME_NAME_BIRTH}).content.decode()
    assert "新重名" not in stale
    assert not any("registry_person" in q["sql"] and "GROUP BY" in q["sql"] for q in ctx.captured_queries)
    response = client.post(reverse("registry:duplicates_refresh"), {"kind": dedupe.SAME_NAME_BIRTH})
    assert response.status_code == 302
    fresh = client.get(url, {"kind": dedupe.SAME_NAME_BIRTH}).content.decode()
    assert "新重名" in fresh and fresh.count('data-testid="duplicate-group"') == 2


def test_a_merged_or_moved_person_leaves_the_stored_groups_at_once(world, twins, grid_leader_a):
    candidates.request_refresh(dedupe.SAME_NAME_BIRTH)
    dedupe.merge_people(actor=grid_leader_a, keep=twins[0], drop=twins[1], confirm_different_ids=True)
    html = client_for(grid_leader_a).get(reverse("registry:duplicates"), {"kind": dedupe.SAME_NAME_BIRTH})
    assert 'data-testid="duplicate-group"' not in html.content.decode()


def test_refreshing_needs_the_right_to_edit(world, twins):
    viewer = make_user("viewer_a", world.grid_a, "volunteer")
    response = client_for(viewer).post(reverse("registry:duplicates_refresh"), {"kind": dedupe.SAME_PHONE})
    assert response.status_code in (302, 403)
    assert not DuplicateScan.objects.filter(kind=dedupe.SAME_PHONE).exists()


def test_a_running_scan_is_not_started_twice(twins):
    running = DuplicateScan.objects.create(kind=dedupe.SAME_PHONE)
    assert candidates.request_refresh(dedupe.SAME_PHONE) == running
    assert DuplicateScan.objects.filter(kind=dedupe.SAME_PHONE).count() == 1


def test_the_refresh_command_computes_every_kind(twins):
    from django.core.management import call_command

    call_command("refresh_duplicates")
    assert set(
        DuplicateScan.objects.filter(status=DuplicateScanStatus.DONE).values_list("kind", flat=True)
    ) == set(dedupe.KINDS)
