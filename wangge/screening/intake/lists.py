"""Lists of screened people sent down from above (协查), imported from Excel or CSV: the set-based
twin of intake.screen_one. Same matching (registry person by document, else a provisional one in
the grid), same dedupe keys (reports of the same person and trip merge, inside the file too), same
risk-area match and the same proposed measures; but read, checked, looked up and written in
sets, so that 50,000 rows take seconds. One transaction, one audit row for the batch.

`analyse` reads and checks a file without writing (the preview); `run_import` writes it.
"""

from __future__ import annotations

import datetime
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import require, scope_of, user_or_none
from wangge.org.models import Level, OrgUnit
from wangge.registry.identity import CheckedId
from wangge.registry.imports import fastwrite
from wangge.registry.imports.engine import ERROR_HEADER, IMPORTED_PREFIX, ErrorBook
from wangge.registry.imports.fields import Field, detect_mapping, normalise_header
from wangge.registry.imports.provisional import NewPerson, register_provisional_people
from wangge.registry.imports.reading import open_table
from wangge.registry.imports.values import SuspectCell, column_is_mangled, document, parse_date, phone, text
from wangge.registry.models import Person
from wangge.screening import permissions as perms
from wangge.screening import rulebook as rules
from wangge.screening.intake.services import Report, dedupe_key, split_place
from wangge.screening.measures.services import OPEN_STATUSES, new_measure
from wangge.screening.models import (
    BasisKind,
    Category,
    Measure,
    MeasurePhase,
    MeasurePolicy,
    RiskArea,
    ScreeningBatch,
    ScreeningRecord,
    ScreeningSighting,
    ScreeningSource,
    ScreeningStatus,
)

CHUNK = 5000
MODE_VALID = "valid"
MODE_ALL = "all"

# key → (the template's header, other spellings seen on lists)
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "name": ("姓名", ("名字", "人员姓名")),
    "id_type": ("证件类型", ("证件种类",)),
    "id_number": ("证件号码", ("身份证号", "身份证号码", "身份证", "证件号")),
    "phone": ("手机号", ("手机", "手机号码", "联系电话", "电话", "联系方式")),
    "came_from": ("来自", ("出发地", "来自/出发地", "来源地", "从何地来", "来自何地", "途经地")),
    "left_area_on": ("离开日期", ("离开时间", "离开风险地区日期")),
    "arrival_date": ("抵达日期", ("抵达时间", "到达日期", "返回日期", "返乡日期", "抵郑日期")),
    "address": ("现住址", ("住址", "地址", "居住地址", "现居住地址")),
    "category": ("类别", ("人员类别", "重点人群类别")),
    "contact_of": ("接触对象", ("密接对象", "关联病例")),
    "grid": ("网格", ("所属网格", "网格编码")),
}
TEMPLATE_HEADERS = [h for h, _x in COLUMNS.values()]
# The columns for the import toolkit's reader (header detection with these synonyms).
FIELDS = [Field(key, main, others) for key, (main, others) in COLUMNS.items()]


def map_headers(headers: list[str]) -> dict[str, int]:
    return detect_mapping(FIELDS, headers)


@dataclass
class Row:
    row_no: int
    cells: list
    report: Report | None = None
    grid: OrgUnit | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # imported all the same (a doubtful phone left out)
    person: Person | None = None
    grid_error: str = ""
    outcome: str = ""  # matched / provisional / merged / outside / error
    checked: CheckedId | None = None  # the document as checked, for a provisional person


@dataclass
class Analysis:
    """What a file holds and what importing it would do. Nothing written."""

    headers: list[str]
    rows: list[Row]
    original_name: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    sheet: str = ""  # the workbook's sheet read ("" for a CSV file)
    sheet_names: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def error_rows(self) -> list[Row]:
        return [r for r in self.rows if r.errors]

    def error_list(self, limit: int | None = None) -> list[dict]:
        """The rows in error, and those imported with a warning (their reason starts with 已导入；),
        in file order: what the error file holds."""
        listed = [r for r in self.rows if r.errors or (r.warnings and r.outcome != "outside")]
        bad = listed if limit is None else listed[:limit]
        return [
            {
                "row": r.row_no,
                "error": "；".join([*r.errors, *r.warnings])
                if r.errors
                else f"{IMPORTED_PREFIX}" + "；".join(r.warnings),
                "cells": [text(c) for c in r.cells],
                **({} if r.errors else {"warned": True}),
            }
            for r in bad
        ]


class _Timer:
    def __init__(self, timings: dict[str, float]):
        self.timings = timings

    def __call__(self, name: str):
        timer = self

        class _Ctx:
            def __enter__(self):
                self.t = time.perf_counter()

            def __exit__(self, *exc):
                timer.timings[name] = timer.timings.get(name, 0.0) + time.perf_counter() - self.t

        return _Ctx()


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


# --- reading and checking ------------------------------------------------------------------------


def read_rows(
    raw: IO[bytes], name: str, *, sheet: str | int | None = None, table_out: list | None = None
) -> tuple[list[str], list[tuple[int, list]]]:
    """The header and the rows, by the import toolkit's reader. A text ID in a column that also
    holds numbers the spreadsheet mangled is marked (SuspectCell): a zero-tailed one is refused."""
    table = open_table(raw, name, FIELDS, sheet=sheet)
    mapping = map_headers(table.headers)
    missing = [COLUMNS[k][0] for k in ("name", "id_number") if k not in mapping]
    if missing:
        raise ValidationError(
            _("Columns missing: %(cols)s. Use the template's headers.") % {"cols": "、".join(missing)}
        )
    if table_out is not None:
        table_out.append(table)
    rows = list(table.rows())
    col = mapping["id_number"]
    if column_is_mangled(cells[col] for _n, cells in rows):
        for _n, cells in rows:
            if type(cells[col]) is str:
                cells[col] = SuspectCell(cells[col])
    return table.headers, rows


def _grids_of(actor: Any) -> dict[str, OrgUnit]:
    scope = scope_of(actor)
    grids = scope.filter(OrgUnit.objects.filter(level=Level.GRID, closed_at__isnull=True))
    by: dict[str, OrgUnit] = {}
    for g in grids:
        by.setdefault(normalise_header(g.name), g)
        by[normalise_header(g.code)] = g
    return by


def _categories() -> dict[str, Category]:
    by: dict[str, Category] = {}
    for c in Category.objects.filter(is_active=True):
        by[normalise_header(c.name)] = c
        by[normalise_header(c.code)] = c
    return by


def _check_row(row: Row, col: dict[str, int], grids, categories, today: datetime.date) -> None:
    def cell(key: str):
        i = col.get(key)
        return row.cells[i] if i is not None and i < len(row.cells) else ""

    errors = row.errors
    name = text(cell("name"))
    if not name:
        errors.append(_("A name is required."))
    checked = document(cell("id_type"), cell("id_number"), errors, COLUMNS["id_number"][0], row.warnings)
    tel = phone(cell("phone"), errors, COLUMNS["phone"][0], row.warnings)
    arrival = parse_date(cell("arrival_date"), errors, COLUMNS["arrival_date"][0])
    left = parse_date(cell("left_area_on"), errors, COLUMNS["left_area_on"][0])
    if arrival and arrival > today:
        errors.append(_("The arrival date is in the future."))
    if left and arrival and left > arrival:
        errors.append(_("They left the area after they arrived here?"))
    category = None
    if text(cell("category")):
        category = categories.get(normalise_header(text(cell("category"))))
        if category is None:
            errors.append(_("Unknown category “%(c)s”.") % {"c": text(cell("category"))})
    if text(cell("grid")):
        row.grid = grids.get(normalise_header(text(cell("grid"))))
        if row.grid is None:  # matters only for someone not in the registry (see analyse)
            row.grid_error = _("No open grid “%(g)s” in your jurisdiction.") % {"g": text(cell("grid"))}
    if errors or checked is None:
        row.warnings.clear()  # the row is not imported: its errors say enough
        return
    row.report = split_place(
        Report(
            name=name[:60],
            id_type=checked.id_type,
            id_number=checked.number,
            phone=tel,
            came_from=text(cell("came_from"))[:200],
            arrival_date=arrival,
            left_area_on=left,
            address=text(cell("address"))[:250],
            category=category,
            contact_of=text(cell("contact_of"))[:200],
        )
    )
    row.checked = checked


def _existing_people(docs: set[tuple[str, str]]) -> dict[tuple[str, str], Person]:
    """The registry person for each document, as registry.find_by_document picks it."""
    numbers = sorted({n for _t, n in docs})
    found: dict[tuple[str, str], Person] = {}
    for chunk in _chunks(numbers):
        qs = (
            Person.objects.filter(id_number__in=chunk, merged_into__isnull=True)
            .only("id", "id_type", "id_number", "grid_id", "path", "is_active", "updated_at")
            .order_by("-is_active", "-updated_at")
        )
        for p in qs:
            found.setdefault((p.id_type, p.id_number), p)
    return {k: v for k, v in found.items() if k in docs}


def analyse(
    *,
    actor: Any,
    raw: IO[bytes],
    name: str,
    today: datetime.date | None = None,
    sheet: str | int | None = None,
) -> Analysis:
    """Read and check every row, and find who is in the registry: the preview. Nothing written.
    `sheet`: a workbook's sheet (name or index); default the first with a recognised header."""
    require(actor, perms.SCREENING_SCREEN)
    today = today or timezone.localdate()
    timings: dict[str, float] = {}
    timer = _Timer(timings)
    with timer("read"):
        tables: list = []
        headers, raw_rows = read_rows(raw, name, sheet=sheet, table_out=tables)
    result = Analysis(
        headers=headers,
        rows=[Row(n, cells) for n, cells in raw_rows],
        original_name=name,
        sheet=tables[0].sheet,
        sheet_names=tables[0].sheet_names,
    )
    result.timings = timings
    col = map_headers(headers)
    with timer("validate"):
        grids, categories = _grids_of(actor), _categories()
        for row in result.rows:
            _check_row(row, col, grids, categories, today)
    with timer("lookup"):
        docs = {(r.report.id_type, r.report.id_number) for r in result.rows if r.report}
        people = _existing_people(docs)
        scope = scope_of(actor)
        new_grid: dict[tuple[str, str], OrgUnit] = {}
        for row in result.rows:
            if row.report is not None and row.grid is not None:
                new_grid.setdefault((row.report.id_type, row.report.id_number), row.grid)
        for row in result.rows:
            if row.report is None:
                row.outcome = "error"
                continue
            doc = (row.report.id_type, row.report.id_number)
            person = people.get(doc)
            if person is not None:
                if not scope.covers_path(person.path):
                    row.outcome = "outside"
                    continue
                row.person = person
                row.outcome = "matched"
            elif doc in new_grid:
                row.grid = new_grid[doc]
                row.outcome = "provisional"
            elif row.grid_error:
                row.errors.append(row.grid_error)
                row.outcome = "error"
            else:
                row.errors.append(
                    _("This person is not in the registry: choose the grid they live in (网格).")
                )
                row.outcome = "error"
    counts = defaultdict(int)
    for row in result.rows:
        counts[row.outcome] += 1
    result.counts = {k: counts[k] for k in ("matched", "provisional", "outside", "error")}
    result.counts["total"] = len(result.rows)
    return result


# --- risk areas and rules, loaded once -----------------------------------------------------------


class _Areas:
    def __init__(self, exposures: list[datetime.date]):
        self.by_province: dict[str, list[RiskArea]] = defaultdict(list)
        if not exposures:
            return
        lo, hi = min(exposures), max(exposures)
        for area in RiskArea.objects.filter(valid_from__lte=hi).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=lo)
        ):
            self.by_province[rules.normalise_place(area.province)[:2]].append(area)

    def match(self, *, province: str, city: str, county: str, township: str, on: datetime.date):
        """As rules.match_risk_area, from the areas in memory."""
        if not rules.normalise_place(province):
            return None
        best = None
        for area in self.by_province.get(rules.normalise_place(province)[:2], ()):
            if area.valid_from > on or (area.valid_to is not None and area.valid_to < on):
                continue
            if not rules.normalise_place(area.province).startswith(rules.normalise_place(province)[:2]):
                continue
            if rules.covers_place(area, province, city, county, township) and (
                best is None or rules.LEVEL_RANK[area.level] > rules.LEVEL_RANK[best.level]
            ):
                best = area
        return best


def _policies(on: datetime.date) -> list[MeasurePolicy]:
    return list(rules.policies_on(on))


def propose_with(
    facts: rules.Facts, *, on: datetime.date, policies: list[MeasurePolicy]
) -> rules.Proposal | None:
    """rules.propose with the rules in force already loaded (`_policies(on)`)."""
    return rules.propose(facts, on=on, policies=policies)


# --- writing -------------------------------------------------------------------------------------


def _fill_blanks(record: ScreeningRecord, report: Report) -> bool:
    changed = False
    for name in ("came_from", "address", "contact_of", "left_area_on", "arrival_date"):
        value = getattr(report, name)
        if value and not getattr(record, name):
            setattr(record, name, value)
            changed = True
    if report.category is not None and record.category_id is None:
        record.category = report.category
        changed = True
    return changed


@transaction.atomic
def run_import(
    *,
    actor: Any,
    analysis: Analysis,
    name: str,
    reference: str = "",
    mode: str = MODE_VALID,
    source: str = ScreeningSource.ASSIST_LIST,
    today: datetime.date | None = None,
) -> ScreeningBatch:
    """Write what `analyse` found. "all": any row in error and nothing is written."""
    require(actor, perms.SCREENING_SCREEN)
    if not (name or "").strip():
        raise ValidationError({"name": _("Give the list a name.")})
    if mode == MODE_ALL and analysis.error_rows:
        raise ValidationError(
            _("%(n)d rows have errors: nothing was imported. Fix them, or import the valid rows.")
            % {"n": len(analysis.error_rows)}
        )
    scope = scope_of(actor)
    today = today or timezone.localdate()
    timer = _Timer(analysis.timings)
    by = user_or_none(actor)
    now = timezone.now()
    batch = ScreeningBatch(
        name=name.strip()[:200],
        source=source,
        reference=(reference or "").strip()[:100],
        unit=scope.root,
        original_name=analysis.original_name[:255],
        total_rows=len(analysis.rows),
        path=scope.root.path,
        created_by=by,
    )
    batch.save()
    with timer("write"):
        # Provisional people: one per document, in the grid first given for it (the registry
        # registers them, in one statement per table).
        first_rows: dict[tuple[str, str], Row] = {}
        for row in analysis.rows:
            if row.outcome == "provisional":
                first_rows.setdefault((row.report.id_type, row.report.id_number), row)
        new_people = register_provisional_people(
            actor=actor,
            people=[
                NewPerson(
                    name=row.report.name,
                    document=row.checked,
                    phone=row.report.phone,
                    origin=row.report.came_from or row.report.from_province,
                    arrival_date=row.report.arrival_date,
                    grid=row.grid,
                )
                for row in first_rows.values()
            ],
            reason="screening",
            allowed_by=(perms.SCREENING_SCREEN,),
        )
        created = dict(zip(first_rows, new_people, strict=True))
        for row in analysis.rows:
            if row.outcome == "provisional":
                row.person = created[(row.report.id_type, row.report.id_number)]
        # Records: by dedupe key, existing ones first, then the first row of each new key.
        keyed: list[tuple[Row, str]] = []
        for row in analysis.rows:
            if row.person is None:
                continue
            r = row.report
            keyed.append(
                (
                    row,
                    dedupe_key(
                        person_id=row.person.pk,
                        arrival_date=r.arrival_date,
                        from_province=r.from_province,
                        came_from=r.came_from,
                        category_id=r.category.pk if r.category else None,
                        contact_of=r.contact_of,
                    ),
                )
            )
        records: dict[str, ScreeningRecord] = {}
        for chunk in _chunks(sorted({k for _r, k in keyed})):
            for rec in ScreeningRecord.objects.select_for_update().filter(dedupe_key__in=chunk):
                records[rec.dedupe_key] = rec
        existing_keys = set(records)
        areas = _Areas(
            [
                r.report.left_area_on or r.report.arrival_date or today
                for r, k in keyed
                if k not in existing_keys
            ]
        )
        new_records: list[ScreeningRecord] = []
        changed: dict[int, ScreeningRecord] = {}
        sightings: list[ScreeningSighting] = []
        merged = 0
        for row, key in keyed:
            r = row.report
            record = records.get(key)
            if record is None:
                area = areas.match(
                    province=r.from_province,
                    city=r.from_city,
                    county=r.from_county,
                    township=r.from_township,
                    on=r.left_area_on or r.arrival_date or today,
                )
                record = ScreeningRecord(
                    person=row.person,
                    grid_id=row.person.grid_id,
                    path=row.person.path,
                    source=source,
                    category=r.category,
                    came_from=r.came_from[:200],
                    from_province=r.from_province[:40],
                    from_city=r.from_city[:40],
                    from_county=r.from_county[:40],
                    from_township=r.from_township[:80],
                    arrival_date=r.arrival_date,
                    left_area_on=r.left_area_on,
                    address=r.address[:250],
                    contact_of=r.contact_of[:200],
                    risk_area=area,
                    risk_level=area.level if area else "",
                    dedupe_key=key,
                    batch=batch,
                    screened_by=by,
                    screened_at=now,
                )
                records[key] = record
                new_records.append(record)
            else:
                merged += 1
                row.outcome = "merged"
                if _fill_blanks(record, r) and record.pk:
                    changed[record.pk] = record
            sightings.append(
                ScreeningSighting(
                    record=record,
                    source=source,
                    batch=batch,
                    row_no=row.row_no,
                    reported=r.as_dict(),
                    by=by,
                    at=now,
                )
            )
    with timer("propose"):
        policies = _policies(today)
        open_people: set[int] = set()
        ids = sorted({rec.person_id for rec in new_records if rec.person_id})
        for chunk in _chunks(ids):
            open_people.update(
                Measure.objects.filter(person_id__in=chunk, status__in=OPEN_STATUSES).values_list(
                    "person_id", flat=True
                )
            )
        proposals = []
        for rec in new_records:
            if rec.person_id in open_people:
                continue
            facts = rules.Facts(
                category_id=rec.category_id,
                category_name=rec.category.name if rec.category_id else "",
                risk_area=rec.risk_area,
                risk_level=rec.risk_level,
                left_area_on=rec.left_area_on,
                arrival_date=rec.arrival_date,
                contact_of=rec.contact_of,
            )
            proposal = propose_with(facts, on=today, policies=policies)
            if proposal is None:
                continue
            open_people.add(rec.person_id)
            rec.status = ScreeningStatus.PROPOSED
            proposals.append((rec, proposal))
    with timer("write"):
        for rec in new_records:
            rec.person_id = rec.person.pk
        fastwrite.insert(new_records)
        if changed:
            ScreeningRecord.objects.bulk_update(
                list(changed.values()),
                ["came_from", "address", "contact_of", "left_area_on", "arrival_date", "category"],
                batch_size=1000,
            )
        for s in sightings:
            s.record_id = s.record.pk
        fastwrite.insert(sightings)
    with timer("propose"):
        measures = []
        for rec, proposal in proposals:
            m = new_measure(
                person=rec.person,
                phases=proposal.phases,
                basis_kind=BasisKind.RULE,
                basis_text=proposal.text,
                facts={**proposal.facts, "screening_id": rec.pk},
                proposed_by=actor,
                screening=rec,
                policy=proposal.policy,
                category_id=rec.category_id,
                place=rec.address,
            )
            measures.append((m, proposal.phases))
        fastwrite.insert([m for m, _p in measures])
        fastwrite.insert(
            [
                MeasurePhase(
                    measure=m,
                    order=p.order,
                    kind=p.kind,
                    starts_on=p.starts_on,
                    ends_on=p.ends_on,
                    checks_per_day=p.checks_per_day,
                )
                for m, phases in measures
                for p in phases
            ]
        )
    counts = defaultdict(int)
    for row in analysis.rows:
        counts[row.outcome] += 1
    batch.matched_rows = counts["matched"]
    batch.provisional_rows = counts["provisional"]
    batch.merged_rows = merged
    batch.outside_rows = counts["outside"]
    batch.error_rows = counts["error"]
    batch.errors = analysis.error_list()
    if batch.errors:
        batch.errors[0]["headers"] = [str(h) for h in analysis.headers]
    batch.save()
    audit.record(
        actor=actor,
        action=Action.CREATE,
        obj=batch,
        after={
            "name": batch.name,
            "reference": batch.reference,
            "rows": batch.total_rows,
            "matched": batch.matched_rows,
            "provisional": batch.provisional_rows,
            "merged": batch.merged_rows,
            "outside": batch.outside_rows,
            "errors": batch.error_rows,
            "new_records": len(new_records),
            "people_created": len(new_people),
            "people_created_ids": [p.pk for p in new_people][:1000],
            "measures_proposed": len(measures),
        },
    )
    batch.new_records = len(new_records)  # type: ignore[attr-defined]
    batch.measures_proposed = len(measures)  # type: ignore[attr-defined]
    return batch


def import_file(
    *,
    actor: Any,
    raw: IO[bytes],
    filename: str,
    name: str,
    reference: str = "",
    mode: str = MODE_VALID,
    sheet: str | int | None = None,
) -> ScreeningBatch:
    return run_import(
        actor=actor,
        analysis=analyse(actor=actor, raw=raw, name=filename, sheet=sheet),
        name=name,
        reference=reference,
        mode=mode,
    )


def error_file(batch: ScreeningBatch) -> bytes:
    """The batch's error rows as xlsx: the columns of the file plus 错误原因 (registry's ErrorBook),
    so that the rows can be fixed and imported again."""
    headers = (batch.errors[0].get("headers") if batch.errors else None) or TEMPLATE_HEADERS
    book = ErrorBook(list(headers))
    try:
        for e in batch.errors:
            cells = list(e.get("cells", []))[: book.error_col]
            book.add(cells + [""] * (book.error_col - len(cells)), [e.get("error", "")])
    except BaseException:
        book.discard()
        raise
    return book.content()


__all__ = ["ERROR_HEADER", "Analysis", "analyse", "run_import", "import_file", "error_file", "propose_with"]
