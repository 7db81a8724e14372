"""Sampling sites: setup inside the round and the scope, staff by role, the readiness checklist
(who may tick it, and a site that is not ready is flagged), pages and API."""

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
from wangge.registry import services as registry
from wangge.testing.models import ChecklistItem, ChecklistKind, Site, SiteCheck, SiteStaff
from wangge.testing.rounds import checklists
from wangge.testing.rounds import sites as site_services

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def site_kwargs(t, unit, **extra):
    now = timezone.now()
    data = {
        "name": "新采样点",
        "unit": unit,
        "tables": 3,
        "opens_at": now,
        "closes_at": now + timedelta(hours=8),
    }
    data.update(extra)
    return data


def tick_all(t, site, actor=None):
    for item in checklists.readiness_items():
        site_services.tick_check(actor=actor or t.manager, site=site, item=item, checked=True)


# --- services -----------------------------------------------------------------------------


def test_a_site_is_created_with_grids_and_buildings_and_audited(testing, world):
    building = registry.create_building(actor=SYSTEM, grid=world.grid_a, name="甲二楼")
    site = site_services.create_site(
        actor=testing.manager,
        round=testing.round,
        grids=[world.grid_a],
        buildings=[building],
        **site_kwargs(testing, world.workstation, address="工作站门口", latitude="34.5", pool_size=5),
    )
    assert site.path == world.workstation.path and site.pool_size == 5
    assert list(site.grids.all()) == [world.grid_a] and list(site.buildings.all()) == [building]
    assert AuditEvent.objects.filter(model="testing.site", object_id=str(site.pk), action="create").exists()


def test_site_validation(testing, world):
    other_building = registry.create_building(actor=SYSTEM, grid=world.grid_b, name="乙二楼")
    with pytest.raises(ValidationError):  # building outside the grids served
        site_services.create_site(
            actor=testing.manager,
            round=testing.round,
            grids=[world.grid_a],
            buildings=[other_building],
            **site_kwargs(testing, world.village),
        )
    now = timezone.now()
    with pytest.raises(ValidationError):  # closes before it opens
        site_services.create_site(
            actor=testing.manager,
            round=testing.round,
            **site_kwargs(testing, world.village, closes_at=now - timedelta(hours=1)),
        )
    with pytest.raises(ValidationError):  # a grid served must be a grid
        site_services.create_site(
            actor=testing.manager,
            round=testing.round,
            grids=[world.village],
            **site_kwargs(testing, world.village),
        )
    with pytest.raises(ValidationError):  # duplicate name in the round
        site_services.create_site(
            actor=testing.manager,
            round=testing.round,
            **site_kwargs(testing, world.village, name=testing.site.name),
        )
    assert Site.objects.count() == 1


def test_a_site_outside_the_actors_scope_is_refused(testing, world):
    cadre = make_user("cadre", world.village, "village_cadre")
    with pytest.raises(Http404):
        site_services.create_site(
            actor=cadre, round=testing.round, **site_kwargs(testing, world.other_village)
        )
    with pytest.raises(Http404):
        site_services.create_site(
            actor=cadre, round=testing.round, grids=[world.other_grid], **site_kwargs(testing, world.village)
        )
    site = site_services.create_site(actor=cadre, round=testing.round, **site_kwargs(testing, world.village))
    assert site.unit == world.village


def test_staff_by_role_and_removal(testing, world, staff_factory):
    role = checklists.staff_roles().get(name="采样员")
    member = staff_factory(unit=world.grid_a, name="王护士", phone="13912345678")
    row = site_services.add_site_staff(
        actor=testing.manager, site=testing.site, role=role, staff=member, table_no=2
    )
    assert (row.name, row.phone, row.table_no) == ("王护士", "13912345678", 2)
    with pytest.raises(ValidationError):  # table beyond the site's tables
        site_services.add_site_staff(
            actor=testing.manager, site=testing.site, role=role, name="甲", table_no=3
        )
    with pytest.raises(ValidationError):  # a readiness item is not a role
        site_services.add_site_staff(
            actor=testing.manager, site=testing.site, role=checklists.readiness_items().first(), name="甲"
        )
    foreign = staff_factory(unit=world.other_grid, name="外人")
    cadre = make_user("cadre", world.village, "village_cadre")
    with pytest.raises(Http404):
        site_services.add_site_staff(actor=cadre, site=testing.site, role=role, staff=foreign)
    site_services.remove_site_staff(actor=testing.manager, site_staff=row)
    assert not SiteStaff.objects.exists()
    assert AuditEvent.objects.filter(model="testing.sitestaff", action="delete").exists()


def test_readiness_ticked_by_registrar_but_not_by_a_lab(testing):
    site = testing.site
    assert not site_services.is_ready(site)
    tick_all(testing, site, actor=testing.registrar)
    assert site_services.is_ready(site)
    item = checklists.readiness_items().first()
    with pytest.raises(PermissionDenied):
        site_services.tick_check(actor=testing.lab, site=site, item=item, checked=False)
    site_services.tick_check(actor=testing.registrar, site=site, item=item, checked=False)
    r = site_services.readiness(site)
    assert (r.done, r.total, r.is_ready) == (10, 11, False)
    assert AuditEvent.objects.filter(model="testing.site", object_id=str(site.pk)).count() == 12
    # A new item on the list makes every site not ready until ticked.
    checklists.add_item(actor=testing.manager, kind=ChecklistKind.READINESS, name="一个测温点")
    tick_all(testing, site)
    assert site_services.is_ready(site)


# --- pages ----------------------------------------------------------------------------------


def test_site_created_through_the_form(testing, world):
    building = registry.create_building(actor=SYSTEM, grid=world.grid_b, name="乙二楼")
    client = client_for(testing.manager)
    url = f"/testing/rounds/{testing.round.pk}/sites/new/"
    page = client.get(url).content.decode()
    assert "乙二楼" in page and 'data-testid="buildings-by-grid"' in page
    now = timezone.now()
    response = client.post(
        url,
        {
            "name": "乙网格小广场",
            "unit": world.grid_b.pk,
            "address": "乙路2号",
            "tables": "2",
            "opens_at": local(now),
            "closes_at": local(now + timedelta(hours=6)),
            "pool_size": "",
            "grids": [world.grid_b.pk],
            "buildings": [building.pk],
        },
    )
    site = Site.objects.get(name="乙网格小广场")
    assert response.status_code == 302 and response.url == f"/testing/sites/{site.pk}/"
    assert list(site.buildings.all()) == [building]
    client.post(
        f"/testing/sites/{site.pk}/edit/",
        {
            "name": "乙网格小广场",
            "unit": world.grid_b.pk,
            "tables": "4",
            "opens_at": local(now),
            "closes_at": local(now + timedelta(hours=6)),
            "grids": [world.grid_b.pk],
        },
    )
    site.refresh_from_db()
    assert site.tables == 4 and not site.buildings.exists()


def test_a_not_ready_site_is_listed_and_clearly_flagged(testing):
    client = client_for(testing.manager)
    page = client.get(f"/testing/rounds/{testing.round.pk}/sites/").content.decode()
    assert testing.site.name in page
    assert 'data-testid="not-ready"' in page and "not ready (0 of 11)" in page
    tick_all(testing, testing.site)
    page = client.get(f"/testing/rounds/{testing.round.pk}/sites/").content.decode()
    assert 'data-testid="ready"' in page and 'data-testid="not-ready"' not in page


def test_ticking_through_the_page_and_htmx(testing):
    client = client_for(testing.registrar)
    item = checklists.readiness_items().first()
    url = f"/testing/sites/{testing.site.pk}/check/{item.pk}/"
    assert client.post(url, {"checked": "1"}).status_code == 302
    assert SiteCheck.objects.filter(site=testing.site, item=item).exists()
    response = client.post(url, {"checked": "0"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="site-checklist"' in response.content.decode()
    assert not SiteCheck.objects.filter(site=testing.site, item=item).exists()
    page = client.get(f"/testing/sites/{testing.site.pk}/").content.decode()
    assert "一个等候区" in page and "引导员" in page


def test_staff_added_and_removed_through_the_page(testing):
    client = client_for(testing.manager)
    role = ChecklistItem.objects.get(kind=ChecklistKind.STAFF_ROLE, name="消杀员")
    client.post(
        f"/testing/sites/{testing.site.pk}/staff/new/",
        {"role": role.pk, "name": "李消杀", "phone": "13700001111", "table_no": "1"},
    )
    row = SiteStaff.objects.get(name="李消杀")
    assert "李消杀" in client.get(f"/testing/sites/{testing.site.pk}/").content.decode()
    assert client.post(f"/testing/site-staff/{row.pk}/remove/").status_code == 302
    assert not SiteStaff.objects.exists()


def test_out_of_scope_site_and_staff_answer_404(testing, world):
    role = checklists.staff_roles().first()
    row = site_services.add_site_staff(actor=testing.manager, site=testing.site, role=role, name="甲")
    other = make_user("zz", world.other_office, "office_leader")
    client = client_for(other)
    item = checklists.readiness_items().first()
    site = testing.site
    assert client.get(f"/testing/sites/{site.pk}/").status_code == 404
    assert client.get(f"/testing/sites/{site.pk}/edit/").status_code == 404
    assert client.post(f"/testing/sites/{site.pk}/check/{item.pk}/", {"checked": "1"}).status_code == 404
    assert client.post(f"/testing/site-staff/{row.pk}/remove/").status_code == 404
    assert client.get(f"/api/v1/testing/sites/{site.pk}").status_code == 404
    assert testing.site.name not in client.get(f"/testing/rounds/{testing.round.pk}/sites/").content.decode()
    assert SiteStaff.objects.filter(pk=row.pk).exists() and not SiteCheck.objects.exists()


# --- API ------------------------------------------------------------------------------------


def test_api_sites_round_trip(testing, world):
    client = client_for(testing.manager)
    now = timezone.now()
    r = client.post(
        f"/api/v1/testing/rounds/{testing.round.pk}/sites",
        json.dumps(
            {
                "name": "接口采样点",
                "unit_id": world.grid_a.pk,
                "tables": 2,
                "opens_at": now.isoformat(),
                "closes_at": (now + timedelta(hours=5)).isoformat(),
                "grids": [world.grid_a.pk],
                "latitude": 34.52,
                "longitude": 113.84,
            }
        ),
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    site = r.json()
    assert site["ready"] is False and site["checks_total"] == 11 and site["grids"] == [world.grid_a.pk]
    sid = site["id"]
    r = client.patch(
        f"/api/v1/testing/sites/{sid}", json.dumps({"tables": 5}), content_type="application/json"
    )
    assert r.json()["tables"] == 5
    role = checklists.staff_roles().first()
    r = client.post(
        f"/api/v1/testing/sites/{sid}/staff",
        json.dumps({"role_id": role.pk, "name": "接口引导员", "table_no": 1}),
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["role"] == role.name
    for item in checklists.readiness_items():
        r = client.post(
            f"/api/v1/testing/sites/{sid}/checks/{item.pk}",
            json.dumps({"checked": True}),
            content_type="application/json",
        )
        assert r.json()["checked"] is True
    detail = client.get(f"/api/v1/testing/sites/{sid}").json()
    assert (
        detail["ready"] is True and detail["staff_count"] == 1 and all(c["checked"] for c in detail["checks"])
    )
    listed = client.get(f"/api/v1/testing/rounds/{testing.round.pk}/sites").json()
    assert {s["name"] for s in listed} == {"接口采样点", testing.site.name}
    office = client_for(make_user("zg", world.office, "office_leader"))
    r = office.post(
        f"/api/v1/testing/rounds/{testing.round.pk}/sites",
        json.dumps({"name": "越界点", "unit_id": world.other_grid.pk, "opens_at": now.isoformat()}),
        content_type="application/json",
    )
    assert r.status_code == 404  # a unit outside the caller's scope
    assert not Site.objects.filter(name="越界点").exists()
