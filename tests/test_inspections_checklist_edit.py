"""The checklist editor: items edited, removed and added publish a new version; open inspections
keep theirs (the page says so); a version published meanwhile is not overwritten; only holders of
the checklists permission edit."""

from dataclasses import asdict

import pytest

from tests.factories.accounts import client_for, make_user
from tests.factories.inspections import all_kinds, make_venue
from wangge.core.access import SYSTEM
from wangge.inspections.checklists.services import ensure_checklist, specs_of
from wangge.inspections.inspecting.services import start_inspection
from wangge.inspections.models import ChecklistTemplate

pytestmark = pytest.mark.django_db


def _post_data(template, *, base_version=None, change=None, remove=(), add=None, note="改版"):
    specs = [asdict(s) for s in specs_of(template)]
    rows = list(specs)
    if add:
        rows.append(add)
    data = {
        "items-TOTAL_FORMS": str(len(rows)),
        "items-INITIAL_FORMS": str(len(specs)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "100",
        "base_version": str(base_version if base_version is not None else template.version),
        "note": note,
    }
    for i, row in enumerate(rows):
        if change and i in change:
            row = {**row, **change[i]}
        for key, value in row.items():
            if isinstance(value, bool):
                if value:
                    data[f"items-{i}-{key}"] = "on"
            else:
                data[f"items-{i}-{key}"] = str(value)
        if i in remove:
            data[f"items-{i}-remove"] = "on"
    return data


def test_edit_publishes_a_new_version_and_open_inspections_keep_theirs(world, office_leader):
    all_kinds()
    venue = make_venue(world.grid_a, "hotel", "编辑测试酒店")
    v1 = ensure_checklist(venue.kind)
    open_one = start_inspection(actor=SYSTEM, venue=venue)
    assert open_one.template_id == v1.pk
    old_texts = [s.text for s in specs_of(v1)]
    c = client_for(office_leader)

    page = c.get(f"/inspections/checklists/kind/edit?kind={venue.kind.code}")
    assert page.status_code == 200
    assert 'data-testid="open-inspections"' in page.content.decode()

    data = _post_data(
        v1,
        change={0: {"text": "消杀记录是否完整（近14天）", "points": 30, "critical": True, "photo_on_fail": True}},
        remove=(1,),
        add={"section": "新增", "text": "是否张贴场所码", "points": 5, "critical": False,
             "photo_on_fail": False, "note_on_fail": True, "data_check": "placards", "check_days": 7},
    )  # fmt: skip
    r = c.post(f"/inspections/checklists/kind/edit?kind={venue.kind.code}", data)
    assert r.status_code == 302, r.content.decode()[:2000]
    v2 = ChecklistTemplate.objects.get(kind=venue.kind, is_current=True)
    assert v2.version == v1.version + 1 and v2.note == "改版"
    new = specs_of(v2)
    assert new[0].text == "消杀记录是否完整（近14天）" and new[0].points == 30 and new[0].critical
    assert len(new) == len(old_texts) and new[-1].data_check == "placards"
    assert old_texts[1] not in [s.text for s in new]
    # The old version and the open inspection are untouched.
    assert [s.text for s in specs_of(v1)] == old_texts
    open_one.refresh_from_db()
    assert open_one.template_id == v1.pk
    assert open_one.answers.filter(text=old_texts[0]).exists()
    # The page of versions says the open inspection keeps version 1.
    versions = c.get(f"/inspections/checklists/kind/?kind={venue.kind.code}").content.decode()
    assert 'data-testid="open-on-version"' in versions


def test_a_version_published_meanwhile_is_not_overwritten(world, office_leader):
    all_kinds()
    venue = make_venue(world.grid_a, "hotel")
    v1 = ensure_checklist(venue.kind)
    c = client_for(office_leader)
    stale = _post_data(v1, change={0: {"text": "甲的改动"}})
    fresh = _post_data(v1, change={0: {"text": "乙的改动"}})
    assert c.post(f"/inspections/checklists/kind/edit?kind={venue.kind.code}", fresh).status_code == 302
    r = c.post(f"/inspections/checklists/kind/edit?kind={venue.kind.code}", stale)
    assert r.status_code == 200
    current = ChecklistTemplate.objects.get(kind=venue.kind, is_current=True)
    assert current.version == v1.version + 1 and specs_of(current)[0].text == "乙的改动"
    # The editor's answer keeps what was typed.
    assert "甲的改动" in r.content.decode()


def test_bad_rows_are_refused_with_nothing_lost(world, office_leader):
    all_kinds()
    venue = make_venue(world.grid_a, "hotel")
    v1 = ensure_checklist(venue.kind)
    c = client_for(office_leader)
    bad = _post_data(v1, change={0: {"section": "", "points": 300}})
    r = c.post(f"/inspections/checklists/kind/edit?kind={venue.kind.code}", bad)
    assert r.status_code == 200
    assert ChecklistTemplate.objects.filter(kind=venue.kind).count() == 1
    everything_removed = _post_data(v1, remove=tuple(range(len(specs_of(v1)))))
    r = c.post(f"/inspections/checklists/kind/edit?kind={venue.kind.code}", everything_removed)
    assert r.status_code == 200 and ChecklistTemplate.objects.filter(kind=venue.kind).count() == 1


def test_only_the_checklists_permission_edits(world):
    all_kinds()
    venue = make_venue(world.grid_a, "hotel")
    ensure_checklist(venue.kind)
    grid = client_for(make_user("grid_leader_x", world.grid_a, "grid_leader"))
    assert grid.get(f"/inspections/checklists/kind/edit?kind={venue.kind.code}").status_code == 403
    page = grid.get(f"/inspections/checklists/kind/?kind={venue.kind.code}").content.decode()
    assert "edit-checklist" not in page
    office = client_for(make_user("office_x", world.office, "office_leader"))
    assert office.get("/inspections/checklists/kind/edit?kind=nonexistent").status_code == 404
