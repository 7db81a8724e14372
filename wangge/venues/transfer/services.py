"""Import and export of venues in the registry's Excel style, through the one import toolkit
(wangge.registry.imports: xlsx, old .xls, CSV in GBK or UTF-8, title rows above the header,
header synonyms) and xlsxwriter. An import writes the valid rows and sends back the others with
their reason (错误原因) in the toolkit's error book; a row whose venue already exists (same name
in the same grid) is not added twice, so a file imported again changes nothing."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from typing import IO, Any

import xlsxwriter
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core import masking
from wangge.core.access import Actor, require, scope_of
from wangge.org.models import Level, OrgUnit
from wangge.registry.imports.engine import ErrorBook
from wangge.registry.imports.exports import safe_text
from wangge.registry.imports.fields import Field
from wangge.registry.imports.reading import open_table
from wangge.registry.imports.values import text
from wangge.venues.models import RiskLevel, Venue, VenueKind
from wangge.venues.permissions import VENUES_MANAGE
from wangge.venues.places import services as places

# key → (the template's header, other spellings seen on lists)
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "name": ("场所名称", ("名称", "单位名称", "店名", "企业名称", "场所")),
    "kind": ("场所类型", ("类型", "类别", "场所类别", "行业")),
    "grid": ("所属网格", ("网格", "网格编码", "网格名称", "三级网格")),
    "address": ("地址", ("场所地址", "详细地址", "经营地址")),
    "responsible_name": ("负责人", ("负责人姓名", "法人", "联系人")),
    "responsible_phone": ("联系电话", ("负责人电话", "电话", "手机号", "手机", "联系方式")),
    "enterprise_code": ("统一社会信用代码", ("信用代码", "社会信用代码", "营业执照号")),
    "staff_count": ("员工人数", ("从业人数", "员工数", "人数")),
    "risk_level": ("风险等级", ("风险",)),
    "status": ("状态", ("经营状态",)),
    "note": ("备注", ()),
}
FIELDS = [
    Field(
        key,
        main,
        others,
        required=key in ("name", "kind"),
        text=key in ("responsible_phone", "enterprise_code"),
    )
    for key, (main, others) in COLUMNS.items()
]
RISK_WORDS = {"低": RiskLevel.LOW, "低风险": RiskLevel.LOW, "中": RiskLevel.MEDIUM, "中风险": RiskLevel.MEDIUM,
              "高": RiskLevel.HIGH, "高风险": RiskLevel.HIGH, "low": RiskLevel.LOW, "medium": RiskLevel.MEDIUM,
              "high": RiskLevel.HIGH}  # fmt: skip
RISK_NAMES = {RiskLevel.LOW: "低", RiskLevel.MEDIUM: "中", RiskLevel.HIGH: "高"}
STATUS_NAMES = {"open": "营业", "closed": "停业", "suspended": "停业整顿"}


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    existing: int = 0
    bad: int = 0
    errors_file: bytes | None = field(default=None, repr=False)


def _kind_index() -> dict[str, VenueKind]:
    index: dict[str, VenueKind] = {}
    for kind in VenueKind.objects.all():
        index[kind.code.lower()] = kind
        index[kind.name] = kind
        for part in kind.name.split("/"):
            index.setdefault(part, kind)
        if kind.name_en:
            index.setdefault(kind.name_en.lower(), kind)
    return index


def _grid_index(scope) -> dict[str, OrgUnit]:
    grids = scope.filter(OrgUnit.objects.filter(level=Level.GRID, closed_at__isnull=True))
    index: dict[str, OrgUnit] = {}
    names: dict[str, list[OrgUnit]] = {}
    for g in grids:
        index[g.code] = g
        names.setdefault(g.name, []).append(g)
    for name, units in names.items():
        if len(units) == 1:
            index.setdefault(name, units[0])
    return index


def import_venues(*, actor: Actor, raw: IO[bytes], name: str) -> ImportResult:
    """Read a file of venues and register the valid rows (each row on its own: a bad row never
    stops the others); the bad ones come back in an error file with their reason."""
    require(actor, VENUES_MANAGE)
    scope = scope_of(actor)
    table = open_table(
        raw,
        name,
        FIELDS,
        needs=("name",),
        no_header=lambda: _(
            "No header row found: the file needs at least the columns 场所名称 and 场所类型."
        ),
    )
    from wangge.registry.imports.fields import detect_mapping

    mapping = detect_mapping(FIELDS, table.headers)
    missing = [COLUMNS[k][0] for k in ("name", "kind") if k not in mapping]
    if missing:
        raise ValidationError(_("The file has no column %(columns)s.") % {"columns": "、".join(missing)})
    kinds = _kind_index()
    grids = _grid_index(scope)
    only_grid = next(iter(set(grids.values()))) if len(set(grids.values())) == 1 else None
    result = ImportResult()
    book = ErrorBook(table.headers)
    for _number, cells in table.rows():
        result.total += 1

        def cell(key: str, cells=cells) -> str:
            return text(cells[mapping[key]]) if key in mapping else ""

        errors: list[str] = []
        kind = kinds.get(cell("kind")) or kinds.get(cell("kind").lower())
        if kind is None:
            errors.append(_("Unknown kind of venue “%(kind)s”.") % {"kind": cell("kind")})
        grid = grids.get(cell("grid")) if cell("grid") else only_grid
        if grid is None:
            errors.append(
                _("Unknown grid “%(grid)s”: write the code or name of a grid of your area.")
                % {"grid": cell("grid")}
                if cell("grid")
                else _("The grid is missing.")
            )
        risk = RISK_WORDS.get(cell("risk_level").lower()) if cell("risk_level") else RiskLevel.LOW
        if risk is None:
            errors.append(_("Risk level must be 低, 中 or 高."))
        if not errors and kind is not None and grid is not None:
            if Venue.objects.filter(grid=grid, name=cell("name").strip()).exists():
                result.existing += 1
                book.add(cells, [], [_("Already registered.")])
                continue
            try:
                with transaction.atomic():
                    places.create_venue(
                        actor=actor,
                        kind=kind,
                        grid=grid,
                        name=cell("name"),
                        address=cell("address"),
                        responsible_name=cell("responsible_name"),
                        responsible_phone=cell("responsible_phone"),
                        enterprise_code=cell("enterprise_code"),
                        staff_count=cell("staff_count") or 0,  # type: ignore[arg-type]  # checked by the service
                        risk_level=str(risk),
                        note=cell("note"),
                    )
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                result.created += 1
                continue
        result.bad += 1
        book.add(cells, errors)
    if result.bad or book.warned:
        result.errors_file = book.content()
    else:
        book.discard()
    return result


EXPORT_HEADERS = [main for main, _others in COLUMNS.values()]


def export_rows(qs, actor: Actor):
    for v in qs.select_related("kind", "grid").iterator(chunk_size=2000):
        yield [
            v.name,
            v.kind.name,
            v.grid.code,
            v.address,
            v.responsible_name,
            masking.shown(actor, masking.PHONE, v.responsible_phone),
            v.enterprise_code,
            v.staff_count,
            RISK_NAMES.get(v.risk_level, v.risk_level),
            STATUS_NAMES.get(v.status, v.status),
            v.note,
        ]


def write_export(target: Any, qs, actor: Actor) -> int:
    book = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet("venues")
    bold = book.add_format({"bold": True})
    for col, header in enumerate(EXPORT_HEADERS):
        sheet.write_string(0, col, header, bold)
        sheet.set_column(col, col, max(10, len(header) * 2 + 4))
    row = 0
    for cells in export_rows(qs, actor):
        row += 1
        for col, value in enumerate(cells):
            if isinstance(value, int):
                sheet.write_number(row, col, value)
            else:
                sheet.write_string(row, col, safe_text(value))
    sheet.freeze_panes(1, 0)
    book.close()
    return row


def export_venues(*, actor: Actor, qs) -> tuple[IO[bytes], int]:
    """The venues of `qs` (scoped by the caller, scoped again here) as xlsx in a temporary file;
    the export is audited (how many rows, never the rows)."""
    scope = scope_of(actor)
    qs = scope.filter(qs)
    tmp = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by the response
    count = write_export(tmp, qs, actor)
    tmp.seek(0)
    marker = Venue(pk=0, name="export", path=scope.path or "")
    audit.record(actor=actor, action=Action.VIEW, obj=marker, path=scope.path or "", after={"rows": count})
    return tmp, count
