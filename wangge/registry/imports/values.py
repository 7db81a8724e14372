"""Cell values of every import: text, dates, numbers, yes/no, choices, ID documents and phones.

Each parser takes the cell as `cell_text` (reading.py) gives it and a list to add its error to,
with the column's label. Values are normalised first (full-width digits and letters to half-width,
spaces and hyphens out of numbers, a lower-case x of an ID upper-cased).

Numbers mangled by spreadsheets are never stored: a spreadsheet keeps 15 significant digits, so an
ID or phone that arrived as a number cell with 16 digits or more, written in scientific notation
(4.10102E+17), or an 18-digit resident ID whose last digits were zeroed (…011000) with a wrong
check digit is refused with MANGLED. A zero-tailed ID whose check digit happens to be right is
refused too when the same column holds certainly mangled numbers (the engine marks such cells
`SuspectCell`); otherwise it is accepted with a warning.
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.registry.identity import CheckedId, check_document, normalise_phone
from wangge.registry.imports.fields import NO, YES, normalise_header, parse_choice
from wangge.registry.models import IdType

MANGLED = gettext_lazy(
    "The spreadsheet turned this number into a figure and its last digits are lost; set the column to text and enter it again."
)


class NumberCell(str):
    """The text of a cell that was a number in the spreadsheet (not text): 13812345678.0 → '13812345678'.
    A spreadsheet number has at most 15 exact digits."""

    __slots__ = ()


class SuspectCell(str):
    """A text cell of a column that also holds certainly mangled numbers (see `column_is_mangled`)."""

    __slots__ = ()


# --- normalising ---------------------------------------------------------------------------------

_ID_JUNK = re.compile(r"[\s\-‐‑–—_]")
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:\.\d*)?[eE][+]?\d+")
_PHONE_JUNK = re.compile(r"[\s()（）\-‐‑–—]")


@functools.lru_cache(maxsize=65536)
def _nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


def half_width(s: str) -> str:
    """Full-width digits, letters and signs to half-width (NFKC); plain ASCII is returned as is."""
    return s if s.isascii() else _nfkc(s)


def normalise_id(value: Any) -> str:
    """An ID number as written, normalised: half-width, no spaces or hyphens, upper case."""
    s = text(value)
    if s.isalnum() and s.isascii():  # the usual case, without a regex
        return s.upper()
    return _ID_JUNK.sub("", half_width(s)).upper()


def is_scientific(s: str) -> bool:
    """4.10102E+17, 1.38123e10: a number a spreadsheet wrote in scientific notation."""
    return bool(_SCIENTIFIC.fullmatch(s))


def is_mangled(value: Any) -> bool:
    """Certainly a number a spreadsheet broke: a number cell of 16 digits or more, scientific
    notation, or an 18-digit resident ID with zeroed last digits whose check digit fails."""
    if isinstance(value, NumberCell):
        return sum(ch.isdigit() for ch in value) >= 16
    if isinstance(value, str) and value:
        s = value.strip()
        if "e" in s or "E" in s:
            return is_scientific(half_width(s).replace(" ", ""))
        if s.endswith("000"):
            number = normalise_id(s)
            return _zero_tailed(number) and not _check_digit_ok(number)
    return False


def column_is_mangled(values: Any) -> bool:
    """Whether any of a column's values is certainly mangled (the engine asks this at upload)."""
    return any(is_mangled(v) for v in values)


def _zero_tailed(number: str) -> bool:
    return len(number) == 18 and number.endswith("000") and number.isdigit()


def _check_digit_ok(number: str) -> bool:
    from stdnum.cn import ric

    try:
        return ric.calc_check_digit(number) == number[17]
    except Exception:  # noqa: BLE001 - not digits: not a resident ID
        return False


# --- plain values --------------------------------------------------------------------------------

_DATE_PATTERNS = (
    re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s.*)?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")
EXCEL_EPOCH = datetime.date(1899, 12, 30)


def text(value: Any) -> str:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value or "").strip()


def excel_serial(s: str) -> datetime.date | None:
    """An Excel serial day number (44648 is 2022-03-28), as a number cell or as text."""
    if _SERIAL.fullmatch(s):
        day = int(float(s))
        if 20000 < day < 80000:
            return EXCEL_EPOCH + datetime.timedelta(days=day)
    return None


def parse_date(value: Any, errors: list[str], label: str) -> datetime.date | None:
    """2022-03-28, 2022/3/28, 2022年3月28日, 20220328, an Excel serial number, or a date cell."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    s = half_width(text(value))
    if not s:
        return None
    for pattern in _DATE_PATTERNS:
        m = pattern.fullmatch(s)
        if m:
            try:
                return datetime.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                break
    else:
        serial = excel_serial(s)
        if serial is not None:
            return serial
    errors.append(
        _("%(column)s: “%(value)s” is not a date; write it like 2022-05-01.") % {"column": label, "value": s}
    )
    return None


def parse_int(value: Any, errors: list[str], label: str) -> int | None:
    s = half_width(text(value))
    if not s:
        return None
    if re.fullmatch(r"\d{1,4}", s):
        return int(s)
    errors.append(_("%(column)s: “%(value)s” is not a whole number.") % {"column": label, "value": s})
    return None


def parse_bool(value: Any, errors: list[str], label: str) -> bool | None:
    s = normalise_header(value)
    if s in YES:
        return True
    if s in NO:
        return None if s == "" else False
    errors.append(_("%(column)s: write 是 or 否.") % {"column": label})
    return None


def choice(group: str, value: Any, errors: list[str], label: str) -> str:
    parsed = parse_choice(group, text(value))
    if parsed is None:
        errors.append(
            _("%(column)s: “%(value)s” is not one of the allowed values.")
            % {"column": label, "value": text(value)}
        )
        return ""
    return parsed


# --- documents -----------------------------------------------------------------------------------

_RESIDENT = re.compile(r"\d{17}[\dX]|\d{15}")
_HK_MACAO = re.compile(r"[HM]\d{8,10}")
_TAIWAN = re.compile(r"\d{8}|\d{10}")
_FOREIGN_PR = re.compile(r"[A-Z]{3}\d{12}")
_PASSPORT = re.compile(r"[A-Z]{1,2}\d{6,9}")


def guess_id_type(number: str) -> str:
    """The document a number looks like when no type is given: a resident ID unless it looks like
    a Hong Kong/Macao permit (H or M and 8–10 digits), a Taiwan permit (8 or 10 digits), a
    permanent residence card or a passport (one or two letters and 6–9 digits)."""
    if (len(number) == 18 and number[:17].isdigit()) or _RESIDENT.fullmatch(number):
        return IdType.RESIDENT_ID
    if _HK_MACAO.fullmatch(number):
        return IdType.HK_MACAO
    if _TAIWAN.fullmatch(number):
        return IdType.TAIWAN
    if _FOREIGN_PR.fullmatch(number):
        return IdType.FOREIGN_PR
    if _PASSPORT.fullmatch(number):
        return IdType.PASSPORT
    return IdType.RESIDENT_ID


def document(
    id_type_cell: Any,
    number_cell: Any,
    errors: list[str],
    label: str = "",
    warnings: list[str] | None = None,
) -> CheckedId | None:
    """The checked document, or None with the reason in `errors`. An empty type: guessed from
    the number (see guess_id_type)."""
    prefix = f"{label}: " if label else ""
    id_type = parse_choice("id_type", text(id_type_cell))
    if id_type is None:
        errors.append(prefix + _("unknown document type “%(value)s”.") % {"value": text(id_type_cell)})
        return None
    number = normalise_id(number_cell)
    if not number:
        errors.append(prefix + _("The ID number is missing."))
        return None
    if isinstance(number_cell, NumberCell):
        if len(number) >= 16:
            errors.append(prefix + str(MANGLED))
            return None
    elif ("E" in number and is_scientific(number)) or (
        _zero_tailed(number)
        and (isinstance(number_cell, SuspectCell) or not _check_digit_ok(number))
        and id_type in ("", IdType.RESIDENT_ID)
    ):
        errors.append(prefix + str(MANGLED))
        return None
    if not id_type:
        id_type = guess_id_type(number)
    try:
        checked = check_document(id_type, number)
    except ValidationError as exc:
        errors.append(prefix + " ".join(exc.messages))
        return None
    if warnings is not None and _zero_tailed(number):
        warnings.append(
            prefix
            + _(
                "This ID number ends in 000: check that the spreadsheet did not turn it into a figure (the check digit is right)."
            )
        )
    return checked


# --- phones --------------------------------------------------------------------------------------

_MOBILE = re.compile(r"1[3-9]\d{9}")


@functools.lru_cache(maxsize=4096)
def mobile_prefix_known(prefix: str) -> bool:
    """Chinese mobile numbers are valid or not by their first digits (the rest is any 4 digits)."""
    try:
        return normalise_phone(prefix + "0000") == prefix + "0000"
    except ValidationError:
        return False


def phone(value: Any, errors: list[str], label: str, warnings: list[str] | None = None) -> str:
    """A mobile or a landline, normalised. A number the spreadsheet mangled is an error. With
    `warnings`, a doubtful phone is not: an 11-digit mobile of a prefix the numbering plan does
    not know yet is kept, and an unreadable phone is left out, each with a warning."""
    raw = text(value)
    if not raw:
        return ""
    if isinstance(value, NumberCell):
        if len(raw) >= 16:
            errors.append(f"{label}: {MANGLED}")
            return ""
    elif ("e" in raw or "E" in raw) and is_scientific(half_width(raw).replace(" ", "")):
        errors.append(f"{label}: {MANGLED}")
        return ""
    s = half_width(raw)
    if len(s) == 11 and _MOBILE.fullmatch(s):
        if mobile_prefix_known(s[:7]):
            return s
        if warnings is not None:
            warnings.append(
                _("%(column)s: %(value)s is not a known mobile prefix; kept as written.")
                % {"column": label, "value": s}
            )
            return s
    try:
        return normalise_phone(_PHONE_JUNK.sub("", s))
    except ValidationError as exc:
        if warnings is not None:
            warnings.append(
                f"{label}: "
                + " ".join(exc.messages)
                + " "
                + _("The phone was left out; the row was imported without it.")
            )
        else:
            errors.append(f"{label}: " + " ".join(exc.messages))
        return ""
