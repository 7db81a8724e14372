"""A guest list read and matched, in sets: the import toolkit reads the file (xlsx, old xls, CSV in
UTF-8 or GBK; header detected with synonyms); an ID the spreadsheet mangled is flagged, never
repaired; each row is matched to the registry by its ID number, else by name and phone; then
checked against the risk-area list valid on the event's date and the open measures.

`read_guests` reads; `match_guests` matches; neither writes. 2,000 names take a few queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import IO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from wangge.registry.imports.fields import ID_NUMBER, NAME, PHONE, Field, detect_mapping
from wangge.registry.imports.reading import open_table
from wangge.registry.imports.values import SuspectCell, column_is_mangled, document, phone, text
from wangge.registry.models import Person
from wangge.screening import rulebook
from wangge.screening.intake.services import Report, split_place
from wangge.screening.measures.services import OPEN_STATUSES
from wangge.screening.models import Measure

MAX_GUESTS = 5000
CHUNK = 1000
CAME_FROM = Field("came_from", "来自", ("出发地", "来自何地", "从何地来", "居住地", "来源地", "现住址"))
FIELDS = [NAME, ID_NUMBER, PHONE, CAME_FROM]


@dataclass
class GuestRow:
    row_no: int
    name: str = ""
    id_type: str = ""
    id_number: str = ""
    phone: str = ""
    came_from: str = ""
    errors: list[str] = field(default_factory=list)
    person_id: int | None = None
    person_path: str = ""
    match: str = "none"
    risk_area_id: int | None = None
    under_measure: bool = False

    @property
    def flagged(self) -> bool:
        return bool(self.risk_area_id or self.under_measure)


def read_guests(raw: IO[bytes], name: str) -> list[GuestRow]:
    table = open_table(raw, name, FIELDS, needs=("name",), min_fields=2)
    mapping = detect_mapping(FIELDS, table.headers)
    if "id_number" not in mapping and "phone" not in mapping:
        raise ValidationError(_("The list needs an ID number column (证件号码) or a phone column (手机号)."))
    rows = list(table.rows())
    if len(rows) > MAX_GUESTS:
        raise ValidationError(_("At most %(n)s guests in one list.") % {"n": MAX_GUESTS})
    id_col = mapping.get("id_number")
    if id_col is not None and column_is_mangled(cells[id_col] for _n, cells in rows if id_col < len(cells)):
        for _n, cells in rows:
            if id_col < len(cells) and type(cells[id_col]) is str:
                cells[id_col] = SuspectCell(cells[id_col])
    out = []
    for row_no, cells in rows:

        def cell(key: str, cells=cells):
            i = mapping.get(key)
            return cells[i] if i is not None and i < len(cells) else ""

        row = GuestRow(row_no=row_no, name=text(cell("name"))[:60], came_from=text(cell("came_from"))[:200])
        if not row.name:
            row.errors.append(_("The name is missing."))
        raw_id = cell("id_number")
        if text(raw_id):
            checked = document("", raw_id, row.errors, _("ID number"))
            if checked is not None:
                row.id_type, row.id_number = checked.id_type, checked.number
            else:
                row.id_number = text(raw_id)[:32]
        row.phone = phone(cell("phone"), row.errors, _("Phone"), warnings=[])
        if not row.id_number and not row.phone and not row.errors:
            row.errors.append(_("Neither an ID number nor a phone: the guest cannot be matched."))
        out.append(row)
    return out


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def match_guests(rows: list[GuestRow], on: datetime.date) -> list[GuestRow]:
    """Match to the registry (ID, then name + phone), the risk areas valid on `on`, open measures."""
    by_id: dict[tuple[str, str], tuple[int, str]] = {}
    numbers = sorted({r.id_number for r in rows if r.id_type and not r.errors})
    for chunk in _chunks(numbers):
        for pk, id_type, number, path in Person.objects.filter(
            id_number__in=chunk, merged_into__isnull=True
        ).values_list("pk", "id_type", "id_number", "path"):
            by_id.setdefault((id_type, number), (pk, path))
    for r in rows:
        hit = by_id.get((r.id_type, r.id_number)) if r.id_type and not r.errors else None
        if hit:
            r.person_id, r.person_path, r.match = hit[0], hit[1], "id"
    phones = sorted({r.phone for r in rows if r.person_id is None and r.phone and not r.errors})
    by_phone: dict[tuple[str, str], tuple[int, str]] = {}
    for chunk in _chunks(phones):
        for pk, name, ph, path in Person.objects.filter(
            phone__in=chunk, merged_into__isnull=True, is_active=True
        ).values_list("pk", "name", "phone", "path"):
            by_phone.setdefault((name, ph), (pk, path))
    for r in rows:
        if r.person_id is None and not r.errors and r.phone:
            hit = by_phone.get((r.name, r.phone))
            if hit:
                r.person_id, r.person_path, r.match = hit[0], hit[1], "name_phone"
        if r.errors:
            r.match = "error"
    areas = list(rulebook.risk_areas_on(on))
    if areas:
        for r in rows:
            if not r.came_from:
                continue
            place = split_place(Report(name=r.name, id_number="", came_from=r.came_from))
            best = None
            for area in areas:
                if rulebook.covers_place(
                    area, place.from_province, place.from_city, place.from_county, place.from_township
                ) and (best is None or rulebook.LEVEL_RANK[area.level] > rulebook.LEVEL_RANK[best.level]):
                    best = area
            r.risk_area_id = best.pk if best else None
    ids = sorted({r.person_id for r in rows if r.person_id})
    measured: set[int] = set()
    for chunk in _chunks(ids):
        measured.update(
            Measure.objects.filter(person_id__in=chunk, status__in=OPEN_STATUSES).values_list(
                "person_id", flat=True
            )
        )
    for r in rows:
        r.under_measure = r.person_id in measured
    return rows
