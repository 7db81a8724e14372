"""The untested (or exempt) people of a unit as an xlsx file for grid workers to chase.

Same rules as the registry exports (wangge.registry.imports.exports): ID numbers and phones masked
unless the actor may see them, cells a spreadsheet would run as a formula neutralised, the file
written in constant-memory mode to a temporary file, and the export audited (what, which unit,
how many rows — never the rows)."""

from __future__ import annotations

import tempfile
from typing import Any

import xlsxwriter
from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import has_permission
from wangge.core.masking import mask_id, mask_phone
from wangge.registry.imports.exports import XLSX, safe_text
from wangge.registry.permissions import REGISTRY_VIEW_IDS, REGISTRY_VIEW_PHONES
from wangge.testing.coverage import selectors as coverage
from wangge.testing.models import Round
from wangge.testing.permissions import TESTING_EXPORT

COLUMNS = [
    ("网格", "text", lambda d: d.grid.name),
    ("楼栋", "text", lambda d: d.building.name if d.building else ""),
    ("单元", "text", lambda d: d.unit_label),
    ("楼层", "text", lambda d: "" if d.floor is None else str(d.floor)),
    ("房号", "text", lambda d: coverage.room_of(d)),
    ("地址", "text", coverage.address_of),
    ("姓名", "text", lambda d: d.person.name),
    ("证件号码", "id", lambda d: d.person.id_number),
    ("手机号", "phone", lambda d: d.person.phone),
    ("上门采样", "text", lambda d: "是" if d.home_sampling else ""),
    ("状态", "text", lambda d: d.get_status_display()),
    ("免检原因", "text", lambda d: d.get_exempt_reason_display() if d.exempt_reason else ""),
    ("备注", "text", lambda d: d.exempt_note),
]


def write_xlsx(target, qs: QuerySet, actor: Any, sheet_name: str = "untested") -> int:
    """Write the people of `qs` (Due rows) to `target`; returns the number of rows."""
    show_ids = has_permission(actor, REGISTRY_VIEW_IDS)
    show_phones = has_permission(actor, REGISTRY_VIEW_PHONES)
    book = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet(sheet_name)
    bold = book.add_format({"bold": True})
    for col, (header, _kind, _get) in enumerate(COLUMNS):
        sheet.write_string(0, col, header, bold)
        sheet.set_column(col, col, max(10, len(header) * 2 + 4))
    row = 0
    for due in qs.iterator(chunk_size=2000):
        row += 1
        for col, (_header, kind, get) in enumerate(COLUMNS):
            value = get(due) or ""
            if kind == "id" and not show_ids:
                value = mask_id(value)
            elif kind == "phone" and not show_phones:
                value = mask_phone(value)
            sheet.write_string(row, col, safe_text(value))
    sheet.freeze_panes(1, 0)
    book.close()
    return row


def untested_response(
    request, rnd: Round, unit, qs: QuerySet, *, kind: str, filters: dict | None = None
) -> FileResponse:
    """The xlsx download of `qs` (already scoped and filtered by the caller), audited."""
    request.scope.require(TESTING_EXPORT)
    qs = request.scope.filter(qs)  # scoped again: a caller's slip cannot leak
    tmp = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by the response
    count = write_xlsx(tmp, qs, request.user, sheet_name=kind)
    audit.record(
        actor=request.user,
        action=Action.VIEW,
        obj=rnd,
        path=unit.path,
        after={"export": kind, "rows": count, "unit_id": unit.pk, "filters": filters or {}},
    )
    tmp.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(tmp, as_attachment=True, filename=f"{kind}-{rnd.pk}-{stamp}.xlsx", content_type=XLSX)
