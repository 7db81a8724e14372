"""Rounds, population, groups and exemptions: services (validation, scope, audit, counters),
the pages and the API."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.utils import timezone

from tests.factories import make_user
from wangge.audit.models import AuditEvent
from wangge.core.access import SYSTEM
from wangge.testing import counters
from wangge.testing.models import (
    ChecklistItem,
    ChecklistKind,
    Due,
    DueStatus,
    ExemptReason,
    Round,
    RoundGroup,
    RoundStatus,
)
from wangge.testing.rounds import checklists, services

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_counters_match(rnd):
    assert counters.counted(rnd.pk) == counters.full_recount(rnd.pk)


def due_of(t, person):
    return Due.objects.get(round=t.round, person=person)


def local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


# --- services -----------------------------------------------------------------------------


def test_exemptions_keep_counters_equal_to_a_recount_and_are_audited(testing):
    a0, a1 = due_of(testing, testing.people_a[0]), due_of(testing, testing.people_a[1])
    services.set_exemption(actor=testing.manager, due=a0, reason=ExemptReason.AWAY)
    services.set_exemption(actor=testing.manager, due=a1, reason=ExemptReason.OTHER, note="在外地住院")
    assert_counters_match(testing.round)
    assert counters.counted(testing.round.pk)[a0.grid_id]["exempt"] == 2
    services.clear_exemption(actor=testing.manager, due=a0)
    assert_counters_match(testing.round)
    assert counters.counted(testing.round.pk)[a0.grid_id]["exempt"] == 1
    assert AuditEvent.objects.filter(model="testing.due", object_id=str(a1.pk), action="update").exists()


def test_an_other_reason_needs_a_note_and_a_sampled_person_cannot_be_exempted(testing):
    due = due_of(testing, testing.people_a[0])
    with pytest.raises(ValidationError):
        services.set_exemption(actor=testing.manager, due=due, reason=ExemptReason.OTHER, note=" ")
    Due.objects.filter(pk=due.pk).update(status=DueStatus.TESTED)
    with pytest.raises(ValidationError):
        services.set_exemption(actor=testing.manager, due=due, reason=ExemptReason.AWAY)


def test_a_round_is_created_only_inside_the_actors_scope(world, office_leader):
    now = timezone.now()
    kwargs = {"name": "办事处轮次", "starts_at": now, "ends_at": now + timedelta(hours=8)}
    with pytest.raises(Http404):
        services.create_round(
            actor=office_leader, owner=world.other_office, areas=[(world.other_office, 10)], **kwargs
        )
    with pytest.raises(Http404):
        services.create_round(
            actor=office_leader, owner=world.office, areas=[(world.other_office, 10)], **kwargs
        )
    with pytest.raises(ValidationError):
        services.create_round(actor=office_leader, owner=world.office, areas=[(world.office, 3)], **kwargs)
    assert not Round.objects.exists()
    grid_leader = make_user("gl", world.grid_a, "grid_leader")
    with pytest.raises(PermissionDenied):
        services.create_round(actor=grid_leader, owner=world.grid_a, areas=[(world.grid_a, 10)], **kwargs)


# --- pages ----------------------------------------------------------------------------------


def test_a_round_is_created_through_the_form_built_and_opened(world, office_leader, testing):
    client = client_for(office_leader)
    now = timezone.now()
    response = client.get("/testing/rounds/new/")
    assert response.status_code == 200
    assert world.other_office.name not in response.content.decode()
    response = client.post(
        "/testing/rounds/new/",
        {
            "name": "郑港第二轮",
            "kind": "mass",
            "owner": world.office.pk,
            "starts_at": local(now),
            "ends_at": local(now + timedelta(hours=10)),
            "default_pool_size": "10",
            "rate_per_table_hour": "60",
            "queue_target": "20",
            "window_minutes": "30",
            "box_limit_hours": "4",
            "area_0": world.grid_a.pk,
            "pool_0": "5",
            "area_1": world.grid_b.pk,
            "pool_1": "",
        },
    )
    rnd = Round.objects.get(name="郑港第二轮")
    assert response.status_code == 302 and response.url == f"/testing/rounds/{rnd.pk}/"
    assert rnd.owner == world.office and rnd.status == RoundStatus.PLANNING
    assert {(a.unit_id, a.pool_size) for a in rnd.areas.all()} == {
        (world.grid_a.pk, 5),
        (world.grid_b.pk, None),
    }
    # Opening before the population is built is refused.
    client.post(f"/testing/rounds/{rnd.pk}/status/", {"status": "open"})
    rnd.refresh_from_db()
    assert rnd.status == RoundStatus.PLANNING
    response = client.post(f"/testing/rounds/{rnd.pk}/population/", follow=True)
    assert "18 people were added" in response.content.decode()
    assert Due.objects.filter(round=rnd).count() == 18
    assert set(Due.objects.filter(round=rnd, grid=world.grid_a).values_list("pool_size", flat=True)) == {5}
    assert set(Due.objects.filter(round=rnd, grid=world.grid_b).values_list("pool_size", flat=True)) == {10}
    assert_counters_match(rnd)
    client.post(f"/testing/rounds/{rnd.pk}/status/", {"status": "open"})
    rnd.refresh_from_db()
    assert rnd.status == RoundStatus.OPEN
    page = client.get(f"/testing/rounds/{rnd.pk}/").content.decode()
    assert 'data-testid="round-tabs"' in page and f"/testing/rounds/{rnd.pk}/sites/" in page
    listing = client.get("/testing/").content.decode()
    assert "郑港第二轮" in listing and "第一轮全员核酸" in listing


def test_the_round_form_refuses_an_area_outside_the_owner(world, office_leader):
    now = timezone.now()
    response = client_for(office_leader).post(
        "/testing/rounds/new/",
        {
            "name": "越界",
            "kind": "mass",
            "owner": world.office.pk,
            "starts_at": local(now),
            "ends_at": local(now + timedelta(hours=2)),
            "default_pool_size": "10",
            "rate_per_table_hour": "60",
            "queue_target": "20",
            "window_minutes": "30",
            "box_limit_hours": "4",
        },
    )
    assert response.status_code == 200 and "Choose at least one area" in response.content.decode()
    assert not Round.objects.filter(name="越界").exists()


def test_exempt_and_unexempt_through_the_pages(testing):
    client = client_for(testing.manager)
    due = due_of(testing, testing.people_a[2])
    url = f"/testing/due/{due.pk}/exempt/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "tested_elsewhere", "note": "外院"})
    assert response.status_code == 302
    due.refresh_from_db()
    assert (due.status, due.exempt_reason) == (DueStatus.EXEMPT, "tested_elsewhere")
    page = client.get(f"/testing/rounds/{testing.round.pk}/people/?status=exempt").content.decode()
    assert testing.people_a[2].name in page and testing.people_a[3].name not in page
    client.post(f"/testing/due/{due.pk}/unexempt/")
    due.refresh_from_db()
    assert due.status == DueStatus.DUE
    assert_counters_match(testing.round)


def test_home_sampling_list_shows_bedridden_people_with_masked_phone(testing, world):
    due = due_of(testing, testing.people_b[0])
    client_for(testing.manager).post(f"/testing/due/{due.pk}/home/", {"home": "1"})
    due.refresh_from_db()
    assert due.home_sampling
    viewer = make_user("viewer", world.office, "working_group_lead")  # no full phones
    page = client_for(viewer).get(f"/testing/rounds/{testing.round.pk}/home-sampling/").content.decode()
    person = testing.people_b[0]
    assert person.name in page and testing.people_b[1].name not in page
    assert person.phone not in page and person.phone[-4:] in page
    assert person.id_number not in page


def test_grid_leader_sees_the_district_round_but_only_their_grids_people(testing, grid_leader_a):
    client = client_for(grid_leader_a)
    assert testing.round.name in client.get("/testing/").content.decode()
    page = client.get(f"/testing/rounds/{testing.round.pk}/people/").content.decode()
    assert testing.people_a[0].name in page
    assert testing.people_b[0].name not in page and testing.people_other[0].name not in page
    assert "12 people" in page
    # Viewing is not managing: exemptions are refused.
    due = due_of(testing, testing.people_a[0])
    assert client.post(f"/testing/due/{due.pk}/exempt/", {"reason": "away"}).status_code == 403


def test_out_of_scope_round_and_due_answer_404_like_missing(testing, world):
    now = timezone.now()
    other_round = Round.objects.create(
        name="张庄专轮", owner=world.other_office, path=world.other_office.path, starts_at=now, ends_at=now
    )
    leader = make_user("zg_leader", world.office, "office_leader")
    client = client_for(leader)
    foreign_due = due_of(testing, testing.people_other[0])
    for url in (
        f"/testing/rounds/{other_round.pk}/",
        f"/testing/rounds/{other_round.pk}/people/",
        f"/testing/rounds/{other_round.pk}/sites/",
        f"/testing/rounds/{other_round.pk}/edit/",
        f"/testing/due/{foreign_due.pk}/exempt/",
        "/testing/rounds/987654/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/testing/due/{foreign_due.pk}/home/", {"home": "1"}).status_code == 404
    assert "张庄专轮" not in client.get("/testing/").content.decode()
    foreign_due.refresh_from_db()
    assert not foreign_due.home_sampling


def test_groups_add_people_by_search_and_by_pasted_id_numbers(testing):
    client = client_for(testing.manager)
    from wangge.registry import services as registry

    newcomer = registry.register_person(
        actor=SYSTEM,
        household=testing.people_a[0].household,
        name="冷链新人",
        id_type="resident_id",
        id_number="11010519491231002X",
    )
    url = f"/testing/rounds/{testing.round.pk}/groups/"
    found = client.get(url, {"q": "冷链新人"}).content.decode()
    assert f'value="{newcomer.pk}"' in found
    response = client.post(
        url,
        {
            "name": "冷链从业人员",
            "pool_size": "1",
            "people": [newcomer.pk],
            "id_numbers": f"{testing.people_b[0].id_number}\n110105194912310000",
        },
        follow=True,
    )
    text = response.content.decode()
    assert "1 people were added" in text and "1 ID numbers were not found" in text
    group = RoundGroup.objects.get(round=testing.round, name="冷链从业人员")
    assert Due.objects.get(round=testing.round, person=newcomer).group == group
    assert Due.objects.get(round=testing.round, person=testing.people_b[0]).pool_size == 1
    assert_counters_match(testing.round)


def test_round_settings_are_edited_and_areas_changed(testing, world):
    client = client_for(testing.manager)
    rnd = testing.round
    response = client.post(
        f"/testing/rounds/{rnd.pk}/edit/",
        {
            "name": "第一轮（改）",
            "starts_at": local(rnd.starts_at),
            "ends_at": local(rnd.ends_at),
            "default_pool_size": "20",
            "rate_per_table_hour": "80",
            "queue_target": "15",
            "window_minutes": "20",
            "box_limit_hours": "3",
        },
    )
    assert response.status_code == 302
    rnd.refresh_from_db()
    assert (rnd.name, rnd.default_pool_size, rnd.rate_per_table_hour) == ("第一轮（改）", 20, 80)
    client.post(f"/testing/rounds/{rnd.pk}/areas/", {"unit": world.office.pk, "pool_size": "5"})
    assert rnd.areas.get(unit=world.office).pool_size == 5


# --- configurable lists ---------------------------------------------------------------------


def test_default_lists_are_seeded():
    assert [i.name for i in checklists.readiness_items()] == checklists.DEFAULT_READINESS
    assert [i.name for i in checklists.staff_roles()] == checklists.DEFAULT_STAFF_ROLES


def test_only_the_district_edits_the_lists(world, admin_user, office_leader):
    item = checklists.readiness_items().first()
    office = client_for(office_leader)
    page = office.get("/testing/checklists/").content.decode()
    assert item.name in page and "/edit/" not in page
    assert office.post(f"/testing/checklists/{item.pk}/edit/", {"name": "改名"}).status_code == 403
    assert office.post("/testing/checklists/new/", {"kind": "readiness", "name": "新项"}).status_code == 403
    with pytest.raises(PermissionDenied):
        checklists.add_item(actor=office_leader, kind=ChecklistKind.READINESS, name="新项")
    item.refresh_from_db()
    assert item.name != "改名"

    district = client_for(admin_user)
    district.post(f"/testing/checklists/{item.pk}/edit/", {"name": "一个候检区", "position": "30"})
    item.refresh_from_db()
    assert (item.name, item.position, item.is_active) == ("一个候检区", 30, False)
    district.post("/testing/checklists/new/", {"kind": "staff_role", "name": "信息员", "is_active": "on"})
    assert ChecklistItem.objects.get(name="信息员").kind == ChecklistKind.STAFF_ROLE
    assert AuditEvent.objects.filter(model="testing.checklistitem").count() == 2
    assert "一个候检区" not in [i.name for i in checklists.readiness_items()]


# --- API ------------------------------------------------------------------------------------


def test_api_round_trip(world, office_leader, testing):
    client = client_for(office_leader)
    now = timezone.now()
    payload = {
        "name": "接口轮次",
        "owner_id": world.office.pk,
        "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(hours=6)).isoformat(),
        "areas": [{"unit_id": world.grid_a.pk, "pool_size": 20}],
    }
    r = client.post("/api/v1/testing/rounds", json.dumps(payload), content_type="application/json")
    assert r.status_code == 201, r.content
    rid = r.json()["id"]
    assert r.json()["areas"] == [{"unit_id": world.grid_a.pk, "unit_name": "甲网格", "pool_size": 20}]
    r = client.post(f"/api/v1/testing/rounds/{rid}/population")
    assert r.json() == {"added": 12, "due": 12}
    r = client.patch(
        f"/api/v1/testing/rounds/{rid}", json.dumps({"queue_target": 9}), content_type="application/json"
    )
    assert r.json()["queue_target"] == 9
    r = client.post(
        f"/api/v1/testing/rounds/{rid}/status",
        json.dumps({"status": "open"}),
        content_type="application/json",
    )
    assert r.json()["status"] == "open"
    r = client.get(f"/api/v1/testing/rounds/{rid}/dues", {"limit": 5})
    body = r.json()
    assert body["count"] == 12 and len(body["items"]) == 5
    first = body["items"][0]
    due_id = first["id"]
    r = client.post(
        f"/api/v1/testing/dues/{due_id}/exemption",
        json.dumps({"reason": "infant"}),
        content_type="application/json",
    )
    assert r.json()["status"] == "exempt"
    assert client.get(f"/api/v1/testing/rounds/{rid}").json()["exempt"] == 1
    assert client.delete(f"/api/v1/testing/dues/{due_id}/exemption").json()["status"] == "due"
    assert_counters_match(Round.objects.get(pk=rid))
    r = client.post(
        f"/api/v1/testing/dues/{due_id}/exemption",
        json.dumps({"reason": "nonsense"}),
        content_type="application/json",
    )
    assert r.status_code == 422
    r = client.post(
        f"/api/v1/testing/rounds/{rid}/groups",
        json.dumps({"name": "重点人群", "pool_size": 1, "id_numbers": [testing.people_b[0].id_number]}),
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["added"] == 1
    assert client.get("/api/v1/testing/rounds").status_code == 200
    checklists_body = client.get("/api/v1/testing/checklists").json()
    assert checklists_body["can_edit"] is False and len(checklists_body["readiness"]) == 11


def test_api_masks_ids_and_hides_foreign_dues(testing, world):
    viewer = make_user("viewer", world.office, "working_group_lead")
    client = client_for(viewer)
    body = client.get(f"/api/v1/testing/rounds/{testing.round.pk}/dues", {"limit": 500}).json()
    assert body["count"] == 18
    numbers = {p.id_number for p in testing.people_a + testing.people_b}
    assert not numbers & {i["id_number"] for i in body["items"]}
    foreign = due_of(testing, testing.people_other[0])
    leader = client_for(make_user("zg", world.office, "office_leader"))
    r = leader.post(
        f"/api/v1/testing/dues/{foreign.pk}/exemption",
        json.dumps({"reason": "away"}),
        content_type="application/json",
    )
    assert r.status_code == 404


def test_every_page_of_a_round_renders_for_its_manager(testing):
    client = client_for(testing.manager)
    rnd, site = testing.round, testing.site
    item = checklists.readiness_items().first()
    for url in (
        "/testing/",
        "/testing/rounds/new/",
        f"/testing/rounds/{rnd.pk}/",
        f"/testing/rounds/{rnd.pk}/edit/",
        f"/testing/rounds/{rnd.pk}/areas/",
        f"/testing/rounds/{rnd.pk}/groups/",
        f"/testing/rounds/{rnd.pk}/people/?home=1&status=due",
        f"/testing/rounds/{rnd.pk}/home-sampling/",
        f"/testing/rounds/{rnd.pk}/sites/",
        f"/testing/rounds/{rnd.pk}/sites/new/",
        f"/testing/sites/{site.pk}/",
        f"/testing/sites/{site.pk}/edit/",
        f"/testing/sites/{site.pk}/staff/new/",
        "/testing/checklists/",
        "/testing/checklists/new/?kind=staff_role",
        f"/testing/checklists/{item.pk}/edit/",
    ):
        assert client.get(url).status_code == 200, url


def test_rounds_of_tests_under_measures_are_listed_apart(world, office_leader, testing):
    key_round = services.key_people_round(office=world.office, on=timezone.localdate())
    client = client_for(office_leader)
    main = client.get("/testing/").content.decode()
    assert testing.round.name in main and key_round.name not in main
    apart = client.get("/testing/?show=key_people").content.decode()
    assert key_round.name in apart and testing.round.name not in apart
    every = client.get("/testing/?show=all").content.decode()
    assert key_round.name in every and testing.round.name in every
