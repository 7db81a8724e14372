"""Likely duplicates (same name and birth date, same phone, near-identical ID numbers) within the
actor's scope, and the audited merge that keeps history."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from stdnum.cn import ric

from tests.factories import make_user
from wangge.audit.models import Action, AuditEvent
from wangge.core.access import SYSTEM, scope_of
from wangge.registry import selectors
from wangge.registry import services as registry
from wangge.registry.models import Person, PersonMove, Rental, Tenancy
from wangge.registry.people import candidates, dedupe

pytestmark = pytest.mark.django_db


def rid(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


def household_in(grid, name):
    building = registry.create_building(actor=SYSTEM, grid=grid, name=name)
    room = registry.get_or_create_room(actor=SYSTEM, building=building, number="101")
    return registry.create_household(actor=SYSTEM, room=room)


def add(household, name, number, id_type="resident_id", **extra) -> Person:
    return registry.register_person(
        actor=SYSTEM, household=household, name=name, id_type=id_type, id_number=number, **extra
    )


@pytest.fixture
def homes(world):
    return household_in(world.grid_a, "甲楼"), household_in(world.grid_b, "乙楼")


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pairs_of(groups) -> set[frozenset]:
    return {frozenset(p.pk for p in g.people) for g in groups}


def page_groups(client, kind, **params) -> str:
    response = client.get(reverse("registry:duplicates"), {"kind": kind, **params})
    assert response.status_code == 200
    return response.content.decode()


# --- finding -------------------------------------------------------------------------


def test_same_name_and_birth_date_is_found_within_the_scope_only(homes, grid_leader_a, office_leader):
    a, b = homes
    p1 = add(a, "张海婷", rid("11010519900101002"))
    p2 = add(a, "张海婷", rid("11010519900101027"))
    p3 = add(b, "张海婷", rid("11010519900101043"))  # same name and date, in grid B
    add(a, "张海亭", rid("11010519900101060"))  # another name: not a duplicate
    scope_a = scope_of(grid_leader_a)
    groups = list(dedupe.exact_groups(scope_a, dedupe.SAME_NAME_BIRTH))
    assert [(g["k_name"], g["n"]) for g in groups] == [("张海婷", 2)]
    members = dedupe.members_of_groups(scope_a, dedupe.SAME_NAME_BIRTH, groups)
    assert {p.pk for p in members[("张海婷", p1.birth_date)]} == {p1.pk, p2.pk}
    html = page_groups(login(grid_leader_a), dedupe.SAME_NAME_BIRTH)
    assert f'data-person-id="{p1.pk}"' in html and f'data-person-id="{p3.pk}"' not in html
    # The office above both grids sees all three.
    office_groups = list(dedupe.exact_groups(scope_of(office_leader), dedupe.SAME_NAME_BIRTH))
    assert office_groups[0]["n"] == 3


def test_same_phone_is_found_within_the_scope_only(homes, grid_leader_a):
    a, b = homes
    p1 = add(a, "王一", rid("11010519700101001"), phone="13900001111")
    p2 = add(a, "王壹", rid("11010519710101001"), phone="139 0000 1111")
    add(b, "王二", rid("11010519720101001"), phone="13900001111")
    add(a, "王三", rid("11010519730101001"))  # no phone: never grouped
    add(a, "王四", rid("11010519740101001"))
    client = login(grid_leader_a)
    html = page_groups(client, dedupe.SAME_PHONE)
    assert html.count('data-testid="duplicate-group"') == 1
    assert f'data-person-id="{p1.pk}"' in html and f'data-person-id="{p2.pk}"' in html
    assert "王二" not in html
    # The merge link offers the older record as the one to keep.
    assert f"?keep={p1.pk}&amp;drop={p2.pk}" in html


def test_phones_in_the_list_are_masked_without_the_right(homes, world):
    a, _b = homes
    add(a, "王一", rid("11010519700101001"), phone="13900001111")
    add(a, "王壹", rid("11010519710101001"), phone="13900001111")
    viewer = make_user("staff_a", world.grid_a, "department_staff")
    html = page_groups(login(viewer), dedupe.SAME_PHONE)
    assert "13900001111" not in html
    assert html.count('data-testid="duplicate-group"') == 1
    assert "Compare and merge" not in html  # no right to merge


def test_near_identical_resident_ids_with_the_same_name(homes, grid_leader_a):
    a, b = homes
    # One digit mistyped (the check digit differs too), and two adjacent digits swapped.
    one = add(a, "刘洋", rid("11010519850612123"))
    typo = add(a, "刘洋", rid("11010519850612153"))
    swap = add(a, "刘洋", rid("11010519850621123"))
    far = add(a, "刘洋", rid("11010519850612999"))
    twin = add(a, "刘海", rid("11010519850612124"))  # same date, one digit off, another name: a twin
    foreign = add(b, "刘洋", rid("11010519850612163"))
    pairs = set(dedupe.near_id_pairs(scope_of(grid_leader_a)))
    assert (one.pk, typo.pk) in pairs
    assert (one.pk, swap.pk) in pairs
    assert not any(far.pk in p or twin.pk in p or foreign.pk in p for p in pairs)
    html = page_groups(login(grid_leader_a), dedupe.NEAR_ID)
    assert f'data-person-id="{typo.pk}"' in html and f'data-person-id="{foreign.pk}"' not in html


def test_near_identical_passports_share_a_name_or_a_birth_date(homes, grid_leader_a):
    a, _b = homes
    p1 = add(a, "John Smith", "E12345678", id_type="passport")
    p2 = add(a, "John Smith", "E12345687", id_type="passport")
    p3 = add(a, "Jon Smith", "E12345679", id_type="passport")
    p4 = add(a, "Jane Doe", "E12345670", id_type="passport")
    Person.objects.filter(pk__in=[p3.pk, p4.pk]).update(birth_date="1990-05-01")
    pairs = set(dedupe.near_id_pairs(scope_of(grid_leader_a)))
    assert (p1.pk, p2.pk) in pairs  # transposition, same name
    assert (p3.pk, p4.pk) in pairs  # one character, same birth date
    assert (p1.pk, p3.pk) not in pairs  # near, but no name or birth date in common


def test_near():
    assert dedupe.near("110105", "110106")
    assert dedupe.near("110105", "111005")
    assert not dedupe.near("110105", "101150")
    assert not dedupe.near("110105", "1101050")


def test_the_duplicates_page_does_not_query_per_group(homes, grid_leader_a, django_assert_max_num_queries):
    a, _b = homes
    for i in range(8):
        add(a, f"重名{i}", rid(f"110105198001{i + 10:02d}011"), phone=f"1390000{i:04d}")
        add(a, f"重名{i}", rid(f"110105198001{i + 10:02d}027"), phone=f"1390000{i:04d}")
    client = login(grid_leader_a)
    for kind in dedupe.KINDS:
        candidates.request_refresh(kind)  # the page reads what the background scan found
        with django_assert_max_num_queries(14):
            html = page_groups(client, kind)
        if kind != dedupe.NEAR_ID:
            assert html.count('data-testid="duplicate-group"') == 8


# --- merging -------------------------------------------------------------------------


@pytest.fixture
def pair(homes):
    a, _b = homes
    keep = add(a, "赵敏", rid("11010519920304002"), relation="head")
    other_home = household_in(a.room.building.grid, "甲二楼")
    drop = add(
        other_home,
        "赵敏",
        "E1234567",
        id_type="passport",
        phone="13911112222",
        employer="鑫荣电子",
    )
    rental = Rental.objects.create(
        building=a.room.building, room=a.room, address="甲楼101", landlord=drop, path=a.path
    )
    today = timezone.localdate()
    tenancy = Tenancy.objects.create(
        rental=rental, person=drop, move_in=today, reported_on=today, path=rental.path
    )
    return keep, drop, rental, tenancy


def test_merge_moves_tenancies_rentals_and_history_and_audits_both(pair, grid_leader_a):
    keep, drop, rental, tenancy = pair
    drop_moves = set(PersonMove.objects.filter(person=drop).values_list("pk", flat=True))
    assert drop_moves
    merged = dedupe.merge_people(actor=grid_leader_a, keep=keep, drop=drop)
    tenancy.refresh_from_db()
    rental.refresh_from_db()
    drop.refresh_from_db()
    assert tenancy.person_id == keep.pk and rental.landlord_id == keep.pk
    assert drop_moves <= set(PersonMove.objects.filter(person=keep).values_list("pk", flat=True))
    assert PersonMove.objects.filter(person=keep, kind="merge").exists()
    # Empty fields were filled; what the kept record had stays.
    assert merged.phone == "13911112222" and merged.employer == "鑫荣电子"
    assert merged.id_number == keep.id_number
    assert not drop.is_active and drop.merged_into_id == keep.pk
    events = AuditEvent.objects.filter(model="registry.person", action=Action.UPDATE, actor=grid_leader_a)
    by_object = {e.object_id: e for e in events}
    assert by_object[str(keep.pk)].before["phone"] == "" and by_object[str(keep.pk)].after["phone"]
    assert by_object[str(drop.pk)].before["is_active"] is True
    assert by_object[str(drop.pk)].after["merged_into_id"] == keep.pk


def test_the_merged_record_leaves_lists_search_and_duplicates(pair, grid_leader_a):
    from wangge.registry.people import search

    keep, drop, _rental, _tenancy = pair
    scope = scope_of(grid_leader_a)
    dedupe.merge_people(actor=grid_leader_a, keep=keep, drop=drop)
    assert drop.pk not in selectors.people(scope, include_departed=True).values_list("pk", flat=True)
    assert [p.pk for p in search.search(scope, "赵敏").people] == [keep.pk]
    assert not list(dedupe.exact_groups(scope, dedupe.SAME_NAME_BIRTH, include_departed=True))
    with pytest.raises(Http404):
        selectors.get_person(scope, drop.pk)


def test_merge_refuses_the_same_record(pair, grid_leader_a):
    keep, *_ = pair
    with pytest.raises(ValidationError, match="itself"):
        dedupe.merge_people(actor=grid_leader_a, keep=keep, drop=keep)


def test_different_valid_resident_ids_need_an_explicit_confirmation(homes, grid_leader_a):
    a, _b = homes
    keep = add(a, "钱七", rid("11010519920304002"))
    drop = add(a, "钱七", rid("11010519920304029"))
    client = login(grid_leader_a)
    url = reverse("registry:merge") + f"?keep={keep.pk}&drop={drop.pk}"
    page = client.get(url).content.decode()
    assert "They are the same person despite different ID numbers" in page
    refused = client.post(url, {})
    assert refused.status_code == 200
    assert "Confirm that they are the same person" in refused.content.decode()
    drop.refresh_from_db()
    assert drop.is_active and drop.merged_into_id is None
    done = client.post(url, {"confirm_different_ids": "on"})
    assert done.status_code == 302
    assert done["Location"] == reverse("registry:person_detail", kwargs={"person_id": keep.pk})
    drop.refresh_from_db()
    assert drop.merged_into_id == keep.pk


def test_merge_page_shows_both_records_side_by_side_and_audits_the_views(pair, grid_leader_a):
    keep, drop, *_ = pair
    url = reverse("registry:merge") + f"?keep={keep.pk}&drop={drop.pk}"
    html = login(grid_leader_a).get(url).content.decode()
    assert 'data-testid="merge-table"' in html and "鑫荣电子" in html
    assert "filled from the right" in html
    assert "They are the same person" not in html  # a passport and a resident ID: no confirmation
    viewed = set(
        AuditEvent.objects.filter(action=Action.VIEW, actor=grid_leader_a).values_list("object_id", flat=True)
    )
    assert {str(keep.pk), str(drop.pk)} <= viewed


def test_merge_with_a_record_out_of_scope_is_404_like_a_missing_one(homes, grid_leader_a):
    a, b = homes
    keep = add(a, "孙八", rid("11010519920304002"))
    foreign = add(b, "孙八", "E7654321", id_type="passport")
    client = login(grid_leader_a)
    for query in (f"?keep={keep.pk}&drop={foreign.pk}", f"?keep={foreign.pk}&drop={keep.pk}"):
        url = reverse("registry:merge") + query
        assert client.get(url).status_code == 404
        assert client.post(url, {"confirm_different_ids": "on"}).status_code == 404
    missing = reverse("registry:merge") + f"?keep={keep.pk}&drop=987654"
    assert client.get(missing).status_code == 404
    foreign.refresh_from_db()
    assert foreign.is_active and foreign.merged_into_id is None
    with pytest.raises(Http404):
        dedupe.merge_people(actor=grid_leader_a, keep=keep, drop=foreign)


def test_keeping_a_departed_record_over_an_active_one_is_refused(pair, grid_leader_a):
    keep, drop, *_ = pair
    registry.record_departure(actor=grid_leader_a, person=keep)
    keep.refresh_from_db()
    with pytest.raises(ValidationError, match="keep the active record"):
        dedupe.merge_people(actor=grid_leader_a, keep=keep, drop=drop)


def test_a_relation_to_another_households_head_is_not_carried_over(homes, grid_leader_a):
    a, _b = homes
    keep = add(a, "周九", rid("11010519920304002"))
    other_home = household_in(a.room.building.grid, "甲三楼")
    drop = add(other_home, "周九", "E2345678", id_type="passport", relation="child", origin="河南新郑")
    assert dedupe.fillable(keep, drop) == ["origin"]
    merged = dedupe.merge_people(actor=grid_leader_a, keep=keep, drop=drop)
    assert merged.relation == "" and merged.origin == "河南新郑" and merged.household_id == a.pk


def test_an_import_that_adds_people_computes_the_candidates_again(homes, world, admin_user):
    """The duplicates page is never staler than the last import: a file that registers someone
    a second time (same name and birth date, a new ID) shows the pair at once."""
    from tests.factories.registry import csv_bytes, run

    before = candidates.latest_scan(dedupe.SAME_NAME_BIRTH)
    existing = add(household_in(world.grid_a, "原楼"), "王小五", rid("11010119900101123"))
    twin = rid("11010219900101456")  # another number, the same name and birth date
    rows = [
        ["姓名", "证件号码", "网格编码", "楼栋", "房号"],
        [existing.name, twin, world.grid_a.code, "导入楼", "101"],
    ]
    job = run(admin_user, "people", csv_bytes(rows, "gbk"), "p.csv")
    assert job.status == "done" and job.created_rows == 1
    scan = candidates.latest_scan(dedupe.SAME_NAME_BIRTH)
    assert scan is not None and scan != before and scan.finished_at >= job.finished_at
    members = set(scan.members.values_list("person_id", flat=True))
    assert {existing.pk, Person.objects.get(id_number=twin).pk} <= members
