"""The checklist editor moves an item up or down in the list being edited (nothing is published
until "Publish"); the published version keeps the new order."""

import re
from dataclasses import asdict

import pytest

from tests.factories.accounts import client_for
from tests.factories.inspections import all_kinds
from wangge.inspections.checklists.services import ensure_checklist, specs_of
from wangge.inspections.models import ChecklistTemplate
from wangge.venues.models import VenueKind

pytestmark = pytest.mark.django_db


def _rows_of(page: str) -> list[str]:
    return re.findall(r'name="items-\d+-text"[^>]*value="([^"]*)"', page) or re.findall(
        r'value="([^"]*)"[^>]*name="items-\d+-text"', page
    )


def _data(rows: list[dict], base_version: int, **extra) -> dict:
    data = {
        "items-TOTAL_FORMS": str(len(rows)),
        "items-INITIAL_FORMS": str(len(rows)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "100",
        "base_version": str(base_version),
        "note": "调整顺序",
        **extra,
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            if isinstance(value, bool):
                if value:
                    data[f"items-{i}-{key}"] = "on"
            else:
                data[f"items-{i}-{key}"] = str(value)
    return data


def test_move_up_and_down_then_publish(world, office_leader):
    all_kinds()
    kind = VenueKind.objects.get(code="hotel")
    v1 = ensure_checklist(kind)
    rows = [asdict(s) for s in specs_of(v1)]
    texts = [r["text"] for r in rows]
    c = client_for(office_leader)
    url = "/inspections/checklists/kind/edit?kind=hotel"

    editor = c.get(url).content.decode()
    assert 'value="down-0"' in editor and 'value="up-1"' in editor and 'value="up-0"' not in editor

    # The third item moved up: shown second, nothing published.
    r = c.post(url, _data(rows, v1.version, move="up-2"))
    assert r.status_code == 200
    shown = _rows_of(r.content.decode())
    assert shown[:3] == [texts[0], texts[2], texts[1]]
    assert ChecklistTemplate.objects.filter(kind=kind).count() == 1

    # Moved down from the first place; the last one does not move further down.
    moved = [rows[0], rows[2], rows[1], *rows[3:]]
    r = c.post(url, _data(moved, v1.version, move="down-0"))
    shown = _rows_of(r.content.decode())
    assert shown[:3] == [texts[2], texts[0], texts[1]]
    r = c.post(url, _data(rows, v1.version, move=f"down-{len(rows) - 1}"))
    assert _rows_of(r.content.decode())[: len(rows)] == texts

    # Published: the new version has the new order.
    final = [rows[2], rows[0], rows[1], *rows[3:]]
    r = c.post(url, _data(final, v1.version))
    assert r.status_code == 302
    v2 = ChecklistTemplate.objects.get(kind=kind, is_current=True)
    assert v2.version == 2
    assert list(v2.items.order_by("position").values_list("text", flat=True)) == [r["text"] for r in final]
    # The first version is untouched.
    assert list(v1.items.order_by("position").values_list("text", flat=True)) == texts
