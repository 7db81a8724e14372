"""Files built the way users make them, for every import: a GBK CSV with a title row and a trailing
empty row, an old .xls (xlwt) with numbers typed as numbers, an .xlsx (xlsxwriter) with title rows,
merged cells and several sheets, and bytes no importer can read.

A cell given as an int or a float is written as a number cell (as Excel does with an ID typed into
a General column); a str is written as text; a datetime as a date cell.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field

# Neither UTF-8 nor GB18030 (a UTF-16 text export with a stray byte; no spreadsheet signature).
UNDECODABLE = b"\xff\xfe\x00\xd8" + "姓名,证件号码\n".encode("utf-16-le") + b"\x80\xff\x81"


def named(data: bytes, name: str) -> io.BytesIO:
    f = io.BytesIO(data)
    f.name = name
    return f


def gbk_csv(header: list[str], rows: list[list], *, title: str = "", encoding: str = "gbk") -> bytes:
    """A CSV as Excel saves it in China: GBK, CRLF, a title line above the header, an empty row at
    the end. Cells are written as given (text)."""
    lines = []
    if title:
        lines.append(title + "," * (len(header) - 1))
    lines.append(",".join(header))
    lines.extend(",".join(str(c) for c in r) for r in rows)
    lines.append("," * (len(header) - 1))
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xls(header: list[str], rows: list[list], *, title: str = "", sheet: str = "Sheet1") -> bytes:
    """An Excel 97-2003 workbook (xlwt): numbers stay number cells."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet(sheet)
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    r = 0
    if title:
        ws.write_merge(0, 0, 0, len(header) - 1, title)
        r = 1
    for c, h in enumerate(header):
        ws.write(r, c, h)
    for i, row in enumerate(rows, start=r + 1):
        for c, v in enumerate(row):
            if isinstance(v, datetime.date):
                ws.write(i, c, v, date_style)
            else:
                ws.write(i, c, v)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass
class Sheet:
    name: str
    header: list[str]
    rows: list[list]
    title: str = ""
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # data rows (0-based), cols


def xlsx(*sheets: Sheet) -> bytes:
    """An xlsx workbook (xlsxwriter) of the given sheets. A sheet's `merges` (first row, first col,
    last row, last col; rows counted from the first data row) merge cells of the data, keeping the
    first cell's value, as Excel's "merge and centre" does."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for s in sheets:
        ws = book.add_worksheet(s.name)
        r = 0
        if s.title:
            ws.merge_range(0, 0, 0, max(1, len(s.header) - 1), s.title)
            r = 1
        ws.write_row(r, 0, s.header)
        first = r + 1
        merged_cells = set()
        for r1, c1, r2, c2 in s.merges:
            ws.merge_range(first + r1, c1, first + r2, c2, s.rows[r1][c1])
            merged_cells.update((rr, cc) for rr in range(r1, r2 + 1) for cc in range(c1, c2 + 1))
        for i, row in enumerate(s.rows):
            for c, v in enumerate(row):
                if (i, c) in merged_cells:
                    continue
                if isinstance(v, datetime.date):
                    ws.write_datetime(first + i, c, v, date_format)
                elif isinstance(v, int | float):
                    ws.write_number(first + i, c, v)
                else:
                    ws.write_string(first + i, c, str(v))
    book.close()
    return out.getvalue()
