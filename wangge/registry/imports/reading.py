"""Reading uploaded files: xlsx, xls (and ods) through python-calamine; CSV in UTF-8 (with or
without BOM) or GBK/GB18030. Rows are streamed; values come back as text or dates."""

from __future__ import annotations

import codecs
import csv
import datetime
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from wangge.registry.imports.fields import detect_mapping

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
HEADER_SEARCH_ROWS = 10


def cell_text(value: object) -> str | datetime.date:
    """A cell as text (dates stay dates): 101.0 → '101', None → ''."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    return str(value).strip()


def detect_encoding(raw: IO[bytes]) -> str:
    """utf-8-sig when every byte decodes as UTF-8, else gb18030 (a superset of GBK)."""
    raw.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := raw.read(1 << 16):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "gb18030"
    finally:
        raw.seek(0)
    return "utf-8-sig"


def is_spreadsheet(name: str, head: bytes) -> bool:
    if name.lower().endswith(SPREADSHEET_SUFFIXES):
        return True
    return head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0")


@dataclass
class Table:
    """One sheet (or CSV) with its header row found. `rows()` yields (row number, cells)."""

    raw: IO[bytes]
    name: str
    kind: str
    encoding: str = ""
    header_row: int = 1  # 1-based, as the user sees it in Excel
    headers: list[str] = field(default_factory=list)
    _sheet: Any = field(default=None, repr=False)

    def _raw_rows(self) -> Iterator[list]:
        self.raw.seek(0)
        if self.encoding:
            text = io.TextIOWrapper(self.raw, encoding=self.encoding, newline="")
            try:
                yield from csv.reader(text)
            except (csv.Error, UnicodeDecodeError) as exc:
                # Neither UTF-8 nor GB18030 throughout (a binary file, a cut-off download).
                raise ValidationError(_("This file cannot be read as CSV.")) from exc
            finally:
                text.detach()
            return
        from python_calamine import CalamineError, CalamineWorkbook

        try:
            if self._sheet is None:  # parsed once: the header search, the count and the rows share it
                self._sheet = CalamineWorkbook.from_filelike(self.raw).get_sheet_by_index(0)
            yield from self._sheet.iter_rows()
        except (CalamineError, ValueError, OSError, IndexError) as exc:
            raise ValidationError(_("This file cannot be read as a spreadsheet.")) from exc

    def find_header(self) -> None:
        best, best_score = None, 0
        for number, row in enumerate(self._raw_rows(), start=1):
            if number > HEADER_SEARCH_ROWS:
                break
            cells = [str(cell_text(c)) for c in row]
            score = len(detect_mapping(self.kind, cells))
            if score > best_score:
                best, best_score = (number, cells), score
        if best is None or best_score < 2:
            raise ValidationError(
                _(
                    "No header row was recognised in the first %(n)s rows: use the template, or put the column names (such as 姓名, 证件号码) in the first row."
                )
                % {"n": HEADER_SEARCH_ROWS}
            )
        self.header_row, headers = best
        while headers and not headers[-1]:
            headers.pop()
        self.headers = headers

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


def open_table(raw: IO[bytes], name: str, kind: str) -> Table:
    raw.seek(0)
    head = raw.read(8)
    raw.seek(0)
    if is_spreadsheet(name, head):
        table = Table(raw=raw, name=name, kind=kind)
    else:
        table = Table(raw=raw, name=name, kind=kind, encoding=detect_encoding(raw))
    try:
        table.find_header()
    except csv.Error as exc:
        raise ValidationError(_("This file cannot be read as CSV.")) from exc
    return table
