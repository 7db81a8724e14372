"""Reading uploaded files, for every import of the platform (registry, screening lists, risk areas,
lab results): xlsx, xls, xlsb and ods through python-calamine; CSV in UTF-8 (with or without BOM)
or GBK/GB18030. Rows are streamed; values come back as text (`NumberCell` when the spreadsheet
held a number) or dates.

- Title rows above the header are skipped: the header is the row, among the first
  HEADER_SEARCH_ROWS, that names the most of the caller's fields (a registry ImportKind, or any
  list of `fields.Field` with their synonyms).
- A workbook with several sheets: the caller may name the sheet (or give its index); by default
  it is the first sheet whose header is recognised. `Table.sheet_names` lists them all, so that a
  page can let the user choose.
- Merged cells: the value of a merged range is filled into every cell of the range, for xlsx and
  xls (python-calamine 0.9 exposes `merged_cell_ranges` for those; for ods and xlsb it gives none,
  and the value stays in the range's first cell only).
- Formulas are never evaluated: a CSV cell starting with "=" stays text, and a spreadsheet formula
  cell gives the value the spreadsheet saved with it.
- A file that is neither a spreadsheet nor text in a supported encoding: a ValidationError in the
  user's language.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from wangge.registry.imports.fields import Field, detect_mapping
from wangge.registry.imports.values import NumberCell, is_mangled

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
HEADER_SEARCH_ROWS = 10
ENCODINGS = ("utf-8-sig", "gb18030")  # gb18030 is a superset of GBK and GB2312


def cell_text(value: object) -> str | datetime.date:
    """A cell as text (dates stay dates, times of day datetimes): 101.0 → NumberCell('101'), None → ''."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, datetime.datetime):  # a date cell is a datetime at midnight
        return value.date() if value.time() == datetime.time() else value
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return NumberCell(int(value)) if value.is_integer() else NumberCell(repr(value))
    if isinstance(value, int):
        return NumberCell(value)
    return str(value).strip()


def _decodes(raw: IO[bytes], encoding: str) -> bool:
    raw.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        while chunk := raw.read(1 << 16):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        raw.seek(0)
    return True


def detect_encoding(raw: IO[bytes]) -> str:
    """utf-8-sig when every byte decodes as UTF-8, else gb18030 when every byte decodes as that;
    else a ValidationError (a binary file, a UTF-16 text, a cut-off download)."""
    for encoding in ENCODINGS:
        if _decodes(raw, encoding):
            return encoding
    raise ValidationError(
        _(
            "This file cannot be read: it is neither an Excel file nor a CSV file in UTF-8 or GBK. Save it again as xlsx, or as CSV (UTF-8)."
        ),
        code="encoding",
    )


def is_spreadsheet(name: str, head: bytes) -> bool:
    if name.lower().endswith(SPREADSHEET_SUFFIXES):
        return True
    return head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0")


def _unreadable_spreadsheet(exc: Exception) -> ValidationError:
    error = ValidationError(_("This file cannot be read as a spreadsheet."), code="spreadsheet")
    error.__cause__ = exc
    return error


def _book(raw: IO[bytes]) -> Any:
    from python_calamine import CalamineError, CalamineWorkbook

    raw.seek(0)
    try:
        return CalamineWorkbook.from_filelike(raw)
    except (CalamineError, ValueError, OSError, IndexError) as exc:
        raise _unreadable_spreadsheet(exc) from exc


def sheet_names(raw: IO[bytes], name: str) -> list[str]:
    """The sheets of a workbook ([] for a CSV file)."""
    raw.seek(0)
    head = raw.read(8)
    raw.seek(0)
    if not is_spreadsheet(name, head):
        return []
    return list(_book(raw).sheet_names)


def _filled(rows: Iterator[list], ranges: list[tuple[tuple[int, int], tuple[int, int]]], col0: int):
    """Rows with each merged range's value in every cell of the range."""
    by_row: dict[int, list[tuple[int, int, int]]] = {}
    for (r1, c1), (r2, c2) in ranges:
        for r in range(r1, r2 + 1):
            by_row.setdefault(r, []).append((r1, c1 - col0, c2 - col0))
    values: dict[tuple[int, int], Any] = {}
    for number, row in enumerate(rows):
        spans = by_row.get(number)
        if spans:
            row = list(row)
            for r1, c1, c2 in spans:
                if c1 < 0:
                    continue
                if len(row) <= c2:
                    row.extend([""] * (c2 + 1 - len(row)))
                if number == r1:
                    values[(r1, c1)] = row[c1]
                value = values.get((r1, c1), "")
                for c in range(c1, c2 + 1):
                    row[c] = value
        yield row


@dataclass
class Table:
    """One sheet (or CSV) with its header row found. `rows()` yields (row number, cells).

    `kind` is a registry ImportKind or a list of Field; `sheet` the sheet's name once opened."""

    raw: IO[bytes]
    name: str
    kind: str | Sequence[Field]
    encoding: str = ""
    header_row: int = 1  # 1-based, as the user sees it in Excel
    headers: list[str] = field(default_factory=list)
    sheet: str = ""
    sheet_names: list[str] = field(default_factory=list)
    needs: tuple[str, ...] = ()  # field keys a header row must name
    min_fields: int = 2
    _sheet: Any = field(default=None, repr=False)  # parsed once: header search, count and rows share it

    def _raw_rows(self) -> Iterator[list]:
        self.raw.seek(0)
        if self.encoding:
            text = io.TextIOWrapper(self.raw, encoding=self.encoding, newline="")
            try:
                yield from csv.reader(text)
            except (csv.Error, UnicodeDecodeError) as exc:
                raise ValidationError(_("This file cannot be read as CSV.")) from exc
            finally:
                text.detach()
            return
        from python_calamine import CalamineError

        book = _book(self.raw) if self._sheet is None else None
        try:
            if self._sheet is None:
                self._sheet = book.get_sheet_by_name(self.sheet) if self.sheet else book.get_sheet_by_index(0)
            sheet = self._sheet
            ranges = sheet.merged_cell_ranges or []  # None for ods and xlsb
            rows = sheet.iter_rows()
            if ranges:
                start = sheet.start or (0, 0)  # iter_rows starts at row 0 but at the first used column
                rows = _filled(rows, ranges, start[1])
            yield from rows
        except (CalamineError, ValueError, OSError, IndexError) as exc:  # damaged while reading
            raise _unreadable_spreadsheet(exc) from exc

    def _score(self, cells: list[str]) -> int:
        found = detect_mapping(self.kind, cells)
        if any(k not in found for k in self.needs):
            return 0
        return len(found)

    def find_header(self) -> bool:
        """Find the header row in this sheet; False when none is recognised."""
        best, best_score = None, 0
        above: list[str] = []
        for number, row in enumerate(self._raw_rows(), start=1):
            if number > HEADER_SEARCH_ROWS:
                break
            cells = [str(cell_text(c)) for c in row]
            # A two-level header (房东 over 姓名 | 身份证号码 | 电话): the row above names the group.
            for candidate in (cells, two_level(above, cells)):
                score = self._score(candidate)
                if score > best_score:
                    best, best_score = (number, candidate), score
            above = cells
        if best is None or best_score < self.min_fields:
            return False
        self.header_row, headers = best
        while headers and not headers[-1]:
            headers.pop()
        self.headers = headers
        return True

    def rows(self) -> Iterator[tuple[int, list]]:
        """Data rows under the header, blank rows skipped, padded to the header's width."""
        width = len(self.headers)
        for number, row in enumerate(self._raw_rows(), start=1):
            if number <= self.header_row:
                continue
            cells = [cell_text(c) for c in row[:width]] if row else []
            if not any(c != "" for c in cells):
                continue
            if len(cells) < width:
                cells.extend([""] * (width - len(cells)))
            yield number, cells

    def count(self) -> int:
        """The number of rows rows() yields, without converting every cell: a row counts when a
        cell of it, within the header's width, is neither empty nor blank text."""
        width = len(self.headers)
        total = 0
        for number, row in enumerate(self._raw_rows(), start=1):
            if number > self.header_row and any(
                c is not None and (not isinstance(c, str) or c.strip()) for c in row[:width]
            ):
                total += 1
        return total

    def scan(self, columns: Sequence[int] = ()) -> tuple[int, list[int]]:
        """(the number of data rows, those of `columns` that hold a number certainly mangled by a
        spreadsheet): read once at upload."""
        total, flagged, pending = 0, [], list(columns)
        for _number, cells in self.rows():
            total += 1
            if pending:
                hit = [col for col in pending if is_mangled(cells[col])]
                if hit:
                    flagged.extend(hit)
                    pending = [col for col in pending if col not in hit]
        return total, sorted(flagged)


def two_level(above: list[str], below: list[str]) -> list[str]:
    """The header of a two-row header: 房东 above 姓名 → 房东姓名; a cell with nothing under it
    (merged down, or left empty) keeps the upper text. A group carries to the right over the
    empty upper cells of a merged range that was not filled (a CSV)."""
    if not above or not any(above):
        return below
    out, group = [], ""
    for i in range(max(len(above), len(below))):
        up = above[i].strip() if i < len(above) else ""
        down = below[i].strip() if i < len(below) else ""
        if up:
            group = up if down else ""  # over sub-headers: a group; alone: a header merged down
        elif not down:
            group = ""
        if not down:
            out.append(up)
        elif group and group != down and not down.startswith(group):
            out.append(group + down)
        else:
            out.append(down)
    return out


def no_header_message() -> str:
    return _(
        "No header row was recognised in the first %(n)s rows: use the template, or put the column names (such as 姓名, 证件号码) in the first row."
    ) % {"n": HEADER_SEARCH_ROWS}


def open_table(
    raw: IO[bytes],
    name: str,
    kind: str | Sequence[Field],
    *,
    sheet: str | int | None = None,
    needs: Sequence[str] = (),
    min_fields: int = 2,
    no_header: str | Callable[[], str] | None = None,
) -> Table:
    """Open an uploaded file and find its header row.

    `kind`: a registry ImportKind, or the importer's own list of Field. `sheet`: a sheet's name
    or index; by default the first sheet whose header is recognised. `needs`: field keys the header
    must name; `min_fields`: how many fields it must name at least. `no_header`: the message when
    no header is found (default: no_header_message()). Raises ValidationError for an unreadable
    file or a missing header."""
    raw.seek(0)
    head = raw.read(8)
    raw.seek(0)
    common = {"raw": raw, "name": name, "kind": kind, "needs": tuple(needs), "min_fields": min_fields}
    try:
        if not is_spreadsheet(name, head):
            table = Table(**common, encoding=detect_encoding(raw))
            if table.find_header():
                return table
        else:
            names = list(_book(raw).sheet_names)
            if sheet is not None and sheet != "":
                if isinstance(sheet, int) or (
                    isinstance(sheet, str) and sheet.isdigit() and sheet not in names
                ):
                    index = int(sheet)
                    if not 0 <= index < len(names):
                        raise ValidationError(
                            _("The workbook has no sheet %(s)s.") % {"s": sheet}, code="sheet"
                        )
                    candidates = [names[index]]
                elif sheet in names:
                    candidates = [sheet]
                else:
                    raise ValidationError(
                        _("The workbook has no sheet “%(s)s”.") % {"s": sheet}, code="sheet"
                    )
            else:
                candidates = names
            for sheet_name in candidates:
                table = Table(**common, sheet=sheet_name, sheet_names=names)
                if table.find_header():
                    return table
    except csv.Error as exc:
        raise ValidationError(_("This file cannot be read as CSV.")) from exc
    message = no_header() if callable(no_header) else no_header
    raise ValidationError(message or no_header_message(), code="no_header")
