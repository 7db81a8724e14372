"""ID documents and phones: validation and normalisation.

Resident IDs follow GB 11643 (checked with python-stdnum): the check digit must be right; the
birth date and sex are derived from the number; an unknown area code is only a warning, since
codes have changed over the decades; old 15-digit numbers are recognised and upgraded.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_exc
from stdnum import numdb
from stdnum.cn import ric

from wangge.registry.models import IdType, Sex


@dataclass(frozen=True)
class CheckedId:
    id_type: str
    number: str
    birth_date: date | None = None
    sex: str = ""
    warning: str = ""
    upgraded_from: str = ""


def _upgrade_15(number: str) -> str:
    """A 15-digit first-generation number: insert the century and compute the check digit."""
    body = number[:6] + "19" + number[6:]
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check digit


@functools.lru_cache(maxsize=8192)  # imports check 100,000 numbers at a time
def area_code_known(code: str) -> bool:
    """Whether a county-level code was ever assigned. Not checked against the birth year:
    people born before a county got its code carry the code current when their card was
    issued (everyone in 新郑市 410184 born before 1994, for instance)."""
    results = numdb.get("cn/loc").info(code)
    return any("county" in props for _part, props in results)


def check_resident_id(raw: str) -> CheckedId:
    number = re.sub(r"\s", "", raw or "").upper()
    upgraded_from = ""
    if re.fullmatch(r"\d{15}", number):
        upgraded_from = number
        try:
            date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
        except ValueError as exc:
            raise ValidationError(_("The birth date in this 15-digit ID number is impossible.")) from exc
        number = _upgrade_15(number)
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise ValidationError(_("A resident ID number has 18 characters: 17 digits and a digit or X."))
    if ric.calc_check_digit(number) != number[17]:
        raise ValidationError(_("The check digit of this ID number is wrong: look for a mistyped digit."))
    try:
        birth = ric.get_birth_date(number)
    except stdnum_exc.ValidationError as exc:
        raise ValidationError(_("The birth date in this ID number is impossible.")) from exc
    if birth > date.today():
        raise ValidationError(_("The birth date in this ID number is in the future."))
    warning = ""
    if not area_code_known(number[:6]):
        warning = _("Area code %(code)s is not in the current list (it may be an old code).") % {
            "code": number[:6]
        }
    sex = Sex.MALE if int(number[16]) % 2 else Sex.FEMALE
    return CheckedId(IdType.RESIDENT_ID, number, birth, sex, warning, upgraded_from)


PATTERNS = {
    IdType.PASSPORT: (r"[A-Z0-9]{5,17}", _("A passport number has 5 to 17 letters and digits.")),
    IdType.HK_MACAO: (
        r"[HM]\d{8,10}",
        _("A Hong Kong / Macao permit number is H or M followed by 8 to 10 digits."),
    ),
    IdType.TAIWAN: (r"\d{8}|\d{10}", _("A Taiwan permit number has 8 or 10 digits.")),
    IdType.FOREIGN_PR: (
        r"[A-Z]{3}\d{12}|9\d{17}",
        _("A permanent residence card number has 15 or 18 characters."),
    ),
    IdType.OTHER: (r".{2,32}", _("Enter the document number.")),
}


def check_document(id_type: str, raw: str) -> CheckedId:
    if id_type == IdType.RESIDENT_ID:
        return check_resident_id(raw)
    if id_type not in PATTERNS:
        raise ValidationError(_("Unknown document type."))
    number = re.sub(r"[\s-]", "", raw or "").upper()
    pattern, message = PATTERNS[id_type]
    if not re.fullmatch(pattern, number):
        raise ValidationError(message)
    return CheckedId(id_type, number)


# 11 ASCII digits from 1, not after a carrier prefix that parsing strips (11xxx, 12xxx, 179xx).
_PLAIN_MOBILE = re.compile(r"1(?!1|2|79)[0-9]{10}")


def normalise_phone(raw: str) -> str:
    """A Chinese mobile (11 digits) or landline with area code; '' stays ''."""
    text = re.sub(r"[\s()（）-]", "", raw or "")
    if not text:
        return ""
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    if _PLAIN_MOBILE.fullmatch(text) and phonenumbers.is_valid_number(
        phonenumbers.PhoneNumber(country_code=86, national_number=int(text))
    ):
        # A valid mobile written as its 11 digits is its own national form; parsing and
        # formatting it would give it back unchanged, at ten times the cost.
        return text
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("This is not a phone number.")) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            _("This phone number is not valid: a mobile has 11 digits, a landline needs its area code.")
        )
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return re.sub(r"\D", "", national)
