"""Joint patrols (联合巡查): each stop a short inspection. The starting checklist of every kind
ships a short check (its critical items, the placards and the masks); a patrol's stop answers only
those; an inspection or a re-inspection answers the whole list (or the failed items); the editor
keeps the flag across versions."""

from datetime import date

import pytest

from tests.factories.accounts import client_for, make_user
from tests.factories.inspections import all_kinds, make_department, make_staff, make_venue
from wangge.core.access import SYSTEM, scope_of
from wangge.inspections.campaigns.services import create_campaign
from wangge.inspections.checklists.defaults import PATROL_ALSO
from wangge.inspections.checklists.services import ensure_checklist, load_defaults, publish_version, specs_of
from wangge.inspections.models import ChecklistItem, ChecklistTemplate
from wangge.roster.models import DepartmentKind
from wangge.venues.models import VenueKind

pytestmark = pytest.mark.django_db


def test_every_kind_ships_a_short_patrol_check(world):
    all_kinds()
    load_defaults()
    for kind in VenueKind.objects.all():
        t = ensure_checklist(kind)
        items = list(t.items.all())
        short = [i for i in items if i.on_patrol]
        assert short, kind.code
        assert len(short) < len(items), kind.code
        # Every critical item is on the short check, and the placards and masks.
        assert {i.text for i in items if i.critical} <= {i.text for i in short}
        assert set(PATROL_ALSO) <= {i.text for i in short}


def test_the_migration_flags_the_checklists_already_loaded(world):
    """Checklists loaded before the flag existed get their short check from the migration."""
    import importlib

    from django.apps import apps

    all_kinds()
    load_defaults()
    ChecklistItem.objects.update(on_patrol=False)
    migration = importlib.import_module("wangge.inspections.migrations.0004_checklist_patrol_items")
    migration.flag_patrol_items(apps, None)
    flagged = ChecklistItem.objects.filter(on_patrol=True)
    assert flagged.filter(critical=True).count() == ChecklistItem.objects.filter(critical=True).count() > 0
    assert set(flagged.filter(critical=False).values_list("text", flat=True)) == set(PATROL_ALSO)


def _campaign(world, kind: str):
    all_kinds()
    police = make_department(world.office, DepartmentKind.POLICE_STATION, "派出所")
    urban = make_department(world.office, DepartmentKind.URBAN_MANAGEMENT, "城管")
    zhang, wang = make_staff(world.office, "张队长", urban), make_staff(world.office, "王民警", police)
    venues = [
        make_venue(world.grid_a, "restaurant", "巡查饭店"),
        make_venue(world.grid_a, "hotel", "巡查宾馆"),
    ]
    return create_campaign(
        actor=SYSTEM, scope=scope_of(SYSTEM), unit=world.office, name="张庄联合巡查", on_date=date(2022, 3, 29),
        venues=venues, team=[zhang, wang], leader=zhang, kind=kind,
    )  # fmt: skip


def test_a_patrol_stop_is_a_short_inspection(world):
    patrol = _campaign(world, "patrol")
    for i in patrol.inspections.all():
        texts = set(i.answers.values_list("text", flat=True))
        short = set(i.template.items.filter(on_patrol=True).values_list("text", flat=True))
        assert texts == short
        assert len(texts) < i.template.items.count()
    # The stop's phone page runs the short check.
    leader = make_user("patrol_lead", world.office, "office_leader")
    stop = patrol.inspections.get(venue__name="巡查饭店")
    page = client_for(leader).get(f"/inspections/inspections/{stop.pk}/inspect").content.decode()
    assert 'data-testid="patrol-stop"' in page
    assert "消杀记录是否完整" in page and "防疫物资（口罩、消毒液、测温枪）是否充足" not in page


def test_an_inspection_campaign_answers_the_whole_list(world):
    campaign = _campaign(world, "inspection")
    for i in campaign.inspections.all():
        assert i.answers.count() == i.template.items.count()


def test_the_flag_is_kept_and_edited_across_versions(world, office_leader):
    all_kinds()
    kind = VenueKind.objects.get(code="hotel")
    v1 = ensure_checklist(kind)
    specs = specs_of(v1)
    assert any(s.on_patrol for s in specs)
    specs[-1].on_patrol = True
    v2 = publish_version(actor=SYSTEM, kind=kind, items=specs).template
    assert [i.on_patrol for i in v2.items.order_by("position")] == [s.on_patrol for s in specs]
    page = client_for(office_leader).get("/inspections/checklists/kind/edit?kind=hotel").content.decode()
    assert 'name="items-0-on_patrol"' in page
    shown = client_for(office_leader).get("/inspections/checklists/kind/?kind=hotel").content.decode()
    assert 'data-testid="on-patrol"' in shown
    assert ChecklistTemplate.objects.get(kind=kind, is_current=True) == v2
