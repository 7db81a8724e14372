"""Mainland vehicle plates (GA 36): a province's one-character abbreviation, an issuing-office
letter, then five characters (letters except I and O, digits; the last may be 挂, 学, 警, 港, 澳,
领, 试, 超), or six for new-energy vehicles (D or F first for small vehicles, last for large).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_LETTER = "A-HJ-NP-Z"
_CHAR = "A-HJ-NP-Z0-9"
_ORDINARY = re.compile(rf"[{PROVINCES}][{_LETTER}][{_CHAR}]{{4}}[{_CHAR}挂学警港澳领试超]")
# New energy: small vehicles D/F (or the other letters for pure electric/hybrid classes) then a
# letter or digit and four digits; large vehicles five digits then D or F.
_NEW_ENERGY_SMALL = re.compile(rf"[{PROVINCES}][{_LETTER}][DFABCEGHJK][{_CHAR}]\d{{4}}")
_NEW_ENERGY_LARGE = re.compile(rf"[{PROVINCES}][{_LETTER}]\d{{5}}[DF]")
# Embassy and armed-police formats are not issued by a public-security office: refused here.


def normalise_plate(raw: str) -> str:
    """The plate as printed: no spaces, dots or hyphens, Latin letters upper-case."""
    return re.sub(r"[\s·.\-•]", "", raw or "").upper()


def check_plate(raw: str) -> str:
    """The normalised plate, or ValidationError with the reason in the user's language."""
    plate = normalise_plate(raw)
    if not plate:
        raise ValidationError(_("Type the plate number."))
    if plate[0] not in PROVINCES:
        raise ValidationError(_("A plate starts with a province's character, such as 豫."))
    if len(plate) == 7:
        if _ORDINARY.fullmatch(plate):
            return plate
    elif len(plate) == 8:
        if _NEW_ENERGY_SMALL.fullmatch(plate) or _NEW_ENERGY_LARGE.fullmatch(plate):
            return plate
        raise ValidationError(
            _("An 8-character (new-energy) plate has D or F after the office letter, or at the end.")
        )
    else:
        raise ValidationError(_("A plate has 7 characters, or 8 for a new-energy vehicle."))
    raise ValidationError(_("This plate is not valid: check the letters (no I or O) and digits."))
