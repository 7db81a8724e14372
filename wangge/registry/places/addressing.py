"""House addresses as villages write them, and the village's rules that place a house in a grid.

A roll says 张庄村3组12号, 三组12号, 第3组12号 or 建设路15号; the same house must be found again
whichever way it is written, so an address is compared by its normalised key. The group (组)
number or the street and house number then name the level-3 grid through the village's rules
(`AddressRule`); a village with a single grid needs no rule.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from wangge.core.access import under
from wangge.org.models import Level, OrgUnit
from wangge.registry.models import AddressRule, AddressRuleKind

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_GROUP = re.compile(r"第?([0-9零〇一二两三四五六七八九十百]+)(?:村民小组|村民组|小组|生产队|组|队)")
_STREET = re.compile(r"([^\d组队号]{1,30}?(?:大道|大街|路|街|巷|胡同|里|道))([0-9]+)")
_NUMBER = re.compile(r"([0-9]+)(?:[-—－之]([0-9]+))?号?")
_NOISE = re.compile(r"[\s,，.。、·()（）\[\]【】]")


def chinese_number(text: str) -> int | None:
    """三 → 3, 十二 → 12, 二十 → 20, 一百零五 → 105; digits as they are."""
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


@dataclass(frozen=True)
class HouseAddress:
    written: str  # as the roll wrote it (trimmed)
    key: str  # normalised: the same house written another way has the same key
    group_no: int | None = None
    street: str = ""
    number: int | None = None


def parse_address(text: str, village_name: str = "") -> HouseAddress:
    written = " ".join(str(text or "").split())
    s = _NOISE.sub("", unicodedata.normalize("NFKC", written))
    # Whatever precedes the village's own name (province, county, town) is not part of the key.
    if village_name:
        short = village_name.removesuffix("村委会").removesuffix("社区居委会")
        for name in (village_name, short):
            if name and name in s:
                s = s.split(name, 1)[1]
                break
    group_no = None
    m = _GROUP.search(s)
    if m:
        group_no = chinese_number(m[1])
        s = s[: m.start()] + (f"{group_no}组" if group_no is not None else m[0]) + s[m.end() :]
    s = s.replace("号院", "号").replace("门牌", "")
    street, number = "", None
    m = _STREET.search(s)
    if m and group_no is None:
        street, number = m[1], int(m[2])
    else:
        rest = s.split("组", 1)[1] if group_no is not None and "组" in s else s
        n = _NUMBER.search(rest)
        if n:
            number = int(n[1])
    key = s.lower()
    if key and not key.endswith(("号", "室", "户")) and re.search(r"\d$", key):
        key += "号"
    return HouseAddress(written=written, key=key, group_no=group_no, street=street, number=number)


class Placement:
    """A village's open grids and its address rules, loaded once."""

    def __init__(self, village: OrgUnit):
        self.village = village
        grids = list(
            under(OrgUnit.objects.filter(level=Level.GRID, closed_at__isnull=True), village).order_by("path")
        )
        self.grids = {g.pk: g for g in grids}
        self.only_grid = grids[0] if len(grids) == 1 else None
        self.rules = [
            r for r in AddressRule.objects.filter(village=village).order_by("pk") if r.grid_id in self.grids
        ]

    def grid_for(self, address: HouseAddress) -> OrgUnit | None:
        """The grid the rules give this address, or None (the house waits to be placed)."""
        if self.only_grid is not None:
            return self.only_grid
        for rule in self.rules:
            if rule.kind == AddressRuleKind.GROUP and address.group_no is not None:
                if rule.group_no == address.group_no:
                    return self.grids[rule.grid_id]
            elif rule.kind == AddressRuleKind.STREET and address.street:
                if normalise_street(rule.street) != normalise_street(address.street):
                    continue
                n = address.number
                if rule.number_from is not None and (n is None or n < rule.number_from):
                    continue
                if rule.number_to is not None and (n is None or n > rule.number_to):
                    continue
                return self.grids[rule.grid_id]
        return None


def normalise_street(text: str) -> str:
    return _NOISE.sub("", unicodedata.normalize("NFKC", text or "")).lower()
