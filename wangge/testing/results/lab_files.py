"""Lab result files: CSV (UTF-8 or GBK), xlsx or xls, read by the registry's import toolkit
(reading.open_table with the lab's own columns; the error file is its ErrorBook). One row per
tube: barcode, result, optional report time and lab.

`parse_file` reads the rows and the problems of each row that can be seen in the file itself;
`check_rows` adds those that need the database (unknown or unsealed tube), without writing.
Valid rows are then applied in one call to `results.record_results`.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import asdict, dataclass
from typing import IO, Any

import xlsxwriter
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from wangge.core.access import scope_of
from wangge.registry.imports import values
from wangge.registry.imports.engine import ErrorBook
from wangge.registry.imports.fields import Field, detect_mapping
from wangge.registry.imports.reading import open_table
from wangge.testing.models import Alert, ResultSource, Retest, Round, Sample, Tube, TubeStatus
from wangge.testing.results import services as results_services
from wangge.testing.results.services import ResultRow, parse_result

MAX_ROWS = 20000
COLUMNS = {
    "barcode": ("管码", "试管编码", "试管条码", "样本编号", "样本编码", "采样管编码", "barcode", "tube"),
    "result": ("结果", "检测结果", "result"),
    "reported_at": ("报告时间", "检测时间", "reported_at", "reported time", "time"),
    "lab": ("检测机构", "实验室", "lab"),
}
FIELDS = [Field(key, names[0], names[1:]) for key, names in COLUMNS.items()]
TEMPLATE_HEADERS = ["管码", "检测结果", "报告时间", "检测机构"]
LABELS = {"barcode": "管码", "result": "检测结果", "reported_at": "报告时间", "lab": "检测机构"}
TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
)


@dataclass
class ParsedRow:
    row_no: int
    barcode: str
    result_text: str
    result: str = ""
    reported_at: str = ""  # ISO, or ""
    lab: str = ""
    error: str = ""

    def as_dict(self) -> dict:
        return asdict(self)

    def to_result_row(self) -> ResultRow:
        at = parse_datetime(self.reported_at) if self.reported_at else None
        return ResultRow(barcode=self.barcode, result=self.result, reported_at=at, row_no=self.row_no)


def _time(value: Any) -> tuple[str, str]:
    """(ISO datetime, error)"""
    if value in (None, ""):
        return "", ""
    if isinstance(value, datetime.datetime):
        at = value
    elif isinstance(value, datetime.date):
        at = datetime.datetime.combine(value, datetime.time())
    else:
        text = str(value).strip()
        at = parse_datetime(text.replace("/", "-")) if "-" in text or "/" in text else None
        for fmt in TIME_FORMATS:
            if at is not None:
                break
            try:
                at = datetime.datetime.strptime(text, fmt)
            except ValueError:
                continue
        if at is None:
            return "", _("Cannot read the report time %(t)s.") % {"t": text[:30]}
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > timezone.now() + datetime.timedelta(minutes=10):
        return "", _("The report time is in the future.")
    return at.isoformat(), ""


def parse_file(raw: IO[bytes], name: str, *, sheet: str | int | None = None) -> list[ParsedRow]:
    """The data rows of a lab file, with the problems visible in the file itself."""
    table = open_table(
        raw,
        name,
        FIELDS,
        sheet=sheet,
        needs=("barcode", "result"),
        no_header=lambda: _(
            "No header row was found: the file needs a column 管码 (tube barcode) and a column 检测结果 (result)."
        ),
    )
    mapping = table_mapping(table.headers)
    out: list[ParsedRow] = []
    for number, cells in table.rows():

        def cell(key: str, cells=cells) -> Any:
            i = mapping.get(key)
            return cells[i] if i is not None and i < len(cells) else None

        raw_barcode = cell("barcode")
        barcode = "".join(values.half_width(values.text(raw_barcode)).split()).upper()
        result_text = values.text(cell("result"))
        if not barcode and not result_text:
            continue
        if len(out) >= MAX_ROWS:
            raise ValidationError(_("A file may hold at most %(n)d rows.") % {"n": MAX_ROWS})
        row = ParsedRow(
            row_no=number, barcode=barcode, result_text=result_text, lab=values.text(cell("lab"))[:100]
        )
        if not barcode:
            row.error = f"{LABELS['barcode']}: " + _("The tube barcode is missing.")
        elif isinstance(raw_barcode, values.NumberCell) and values.is_mangled(raw_barcode):
            row.error = f"{LABELS['barcode']}: {values.MANGLED}"
        elif len(barcode) > 40:
            row.error = f"{LABELS['barcode']}: " + _("The tube barcode is too long.")
        else:
            try:
                row.result = parse_result(result_text)
            except ValidationError as exc:
                row.error = f"{LABELS['result']}: " + exc.messages[0]
        if not row.error:
            row.reported_at, error = _time(cell("reported_at"))
            row.error = f"{LABELS['reported_at']}: {error}" if error else ""
        out.append(row)
    return out


def table_mapping(headers: list[str]) -> dict[str, int]:
    return detect_mapping(FIELDS, headers)


def check_rows(
    actor: Any, rnd: Round, rows: list[ParsedRow], *, unreceived_reason: str = ""
) -> list[ParsedRow]:
    """Add the problems that need the database (no writes): unknown or unsealed tubes, tubes the
    lab has not received (unless a role allowed to gives the reason), and the same tube twice in
    the file with different results."""
    scope = scope_of(actor)
    codes = {r.barcode for r in rows if not r.error}
    tubes = {
        t.barcode: t
        for t in scope.filter(Tube.objects.filter(round=rnd, barcode__in=codes)).only(
            "barcode", "status", "box_id"
        )
    }
    may_skip_receipt = results_services.can_record_unreceived(actor)
    received = results_services.received_boxes({t.box_id for t in tubes.values() if t.box_id})
    results_by_code: dict[str, set[str]] = {}
    for row in rows:
        if not row.error:
            results_by_code.setdefault(row.barcode, set()).add(row.result)
    for row in rows:
        if row.error:
            continue
        tube = tubes.get(row.barcode)
        if tube is None:
            row.error = _("No tube %(t)s in this round.") % {"t": row.barcode}
        elif len(results_by_code[row.barcode]) > 1:
            row.error = _("Tube %(t)s appears twice with different results.") % {"t": row.barcode}
        elif tube.status != TubeStatus.SEALED:
            row.error = _("Tube %(t)s has not been sealed at the site.") % {"t": row.barcode}
        elif tube.box_id not in received and not (may_skip_receipt and unreceived_reason.strip()):
            row.error = results_services.not_received_text(tube, may_skip_receipt)
    return rows


def lab_of(rows: list[ParsedRow], lab: str = "") -> str:
    if lab.strip():
        return lab.strip()[:100]
    return next((r.lab for r in rows if r.lab), "")


def template_xlsx() -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet(_("Results"))
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, TEMPLATE_HEADERS, bold)
    sheet.write_row(1, 0, ["T0001", "阴性", "2026-11-29 10:00", ""])
    sheet.set_column(0, 3, 20)
    book.close()
    return out.getvalue()


def errors_xlsx(rows: list[dict]) -> bytes:
    """The rows that were not applied, as the lab sent them, with a 错误原因 column (the import
    toolkit's ErrorBook: fixed, the file can be imported again as it is)."""
    book = ErrorBook(["行号", *TEMPLATE_HEADERS])
    for row in rows:
        book.add(
            [
                str(row.get("row_no") or ""),
                row.get("barcode", ""),
                row.get("result_text") or _label(row.get("result", "")),
                row.get("reported_at", ""),
                row.get("lab", ""),
            ],
            [row.get("error", "")],
        )
    return book.content()


def _label(value: str) -> str:
    return {"negative": "阴性", "positive": "阳性", "invalid": "无效"}.get(value, value or "")


@dataclass
class Applied:
    outcomes: list  # ResultOutcome of the rows sent to record_results
    errors: list[dict]  # rows not applied, with their reason (for the error file)
    counts: dict


def apply_rows(
    *,
    actor: Any,
    round: Round,
    rows: list[ParsedRow],
    lab: str = "",
    source: str = ResultSource.FILE,
    all_or_nothing: bool = False,
    unreceived_reason: str = "",
) -> Applied:
    """Apply the valid rows in one call to record_results; report every other row with its reason.
    All or nothing: when any row is wrong, nothing is applied (a ValidationError)."""
    rows = check_rows(actor, round, rows, unreceived_reason=unreceived_reason)
    bad = sum(1 for r in rows if r.error)
    if all_or_nothing and bad:
        raise ValidationError(
            _("%(n)d rows have errors: nothing was imported. Fix them, or import the valid rows.")
            % {"n": bad}
        )
    valid = [r for r in rows if not r.error]
    outcomes = (
        results_services.record_results(
            actor=actor,
            round=round,
            rows=[r.to_result_row() for r in valid],
            lab=lab_of(rows, lab),
            source=source,
            unreceived_reason=unreceived_reason,
        )
        if valid
        else []
    )
    by_no = {r.row_no: r for r in rows}
    errors = [r.as_dict() for r in rows if r.error]
    for outcome in outcomes:
        if outcome.status == results_services.ERROR:
            row = by_no.get(outcome.row_no)
            data = row.as_dict() if row else {"row_no": outcome.row_no, "barcode": outcome.barcode}
            data["error"] = outcome.message
            errors.append(data)
    errors.sort(key=lambda d: d.get("row_no") or 0)
    counts = {
        "applied": sum(o.status == results_services.APPLIED for o in outcomes),
        "unchanged": sum(o.status == results_services.UNCHANGED for o in outcomes),
        "conflicts": sum(o.status == results_services.CONFLICT for o in outcomes),
        "errors": len(errors),
    }
    return Applied(outcomes, errors, counts)


def alert_members(scope: Any, alert: Alert) -> list[Sample]:
    """The members of the alert's tube who live in the alert's grid, as far as the actor may see."""
    samples = list(
        scope.filter(
            Sample.objects.filter(
                tube_id=alert.tube_id, removed_at__isnull=True, path__startswith=alert.grid.path
            )
        )
        .select_related("person__household__room__building")
        .order_by("scanned_at", "id")
    )
    status = {
        r.person_id: r
        for r in scope.filter(
            Retest.objects.filter(origin_tube_id=alert.tube_id, path__startswith=alert.grid.path)
        )
    }
    for s in samples:
        s.address = str(s.person.household) if s.person.household_id else ""
        s.retest = status.get(s.person_id)
    return samples
