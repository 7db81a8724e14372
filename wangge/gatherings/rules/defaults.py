"""The rules shipped with the platform (a data migration loads them; the district edits them):
喜事缓办、丧事简办、宴会不办. Weddings and funerals up to 50 diners a meal are filed with the
village or community; over 50 a plan and the office's approval are needed; over 200 the
district's. Weddings are reported 7 days ahead, funerals the same day; family gatherings at most 10.

Plain data (Chinese as the district writes it); `load` takes the historical models of a migration.
"""

from __future__ import annotations

import datetime

VALID_FROM = datetime.date(2022, 1, 1)

CONDITIONS = [
    "桌距不少于1米，每桌不超过10人",
    "不邀请中高风险地区及有旅居史人员",
    "指定现场防疫监督员，入场扫码测温",
]

KINDS = [
    # code, name, English name, examples, order
    ("wedding", "喜事", "Wedding", "结婚、订婚、回门", 10),
    ("funeral", "丧事", "Funeral", "丧葬、祭奠", 20),
    ("banquet", "宴会", "Banquet", "生日宴、满月宴、升学宴、乔迁宴", 30),
    ("family", "家庭聚会", "Family gathering", "亲友聚餐", 40),
    ("other", "其他", "Other", "", 90),
]

RULES = {
    # kind: stance, wording, advice, lead_days, max_diners_per_meal, village_band, office_band
    "wedding": (
        "postpone",
        "喜事缓办",
        "疫情防控期间，提倡喜事缓办。确需举办的，须提前7天向村（社区）报备，严格控制规模，"
        "就餐人数不超过50人的向村（社区）报备，超过50人的须提交防控方案并经办事处审批。",
        7,
        None,
        50,
        200,
    ),
    "funeral": (
        "simplify",
        "丧事简办",
        "丧事从简，当天报备，缩短时间、控制规模，不搞大型祭奠活动。",
        0,
        None,
        50,
        200,
    ),
    "banquet": (
        "banned",
        "宴会不办：疫情防控期间，生日宴、满月宴、升学宴等宴会一律不办。",
        "疫情防控期间，生日宴、满月宴、升学宴、乔迁宴等各类宴会一律不办。",
        0,
        None,
        50,
        200,
    ),
    "family": ("allowed", "家庭聚会不超过10人", "家庭聚会人数不超过10人。", 0, 10, 10, 10),
    "other": ("allowed", "", "", 1, None, 50, 200),
}


def load(kind_model, rule_model) -> None:
    kinds = {}
    for code, name, name_en, examples, order in KINDS:
        kinds[code], _created = kind_model.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "examples": examples, "order": order}
        )
    for code, (stance, wording, advice, lead, cap, village, office) in RULES.items():
        if rule_model.objects.filter(kind=kinds[code]).exists():
            continue
        rule_model.objects.create(
            kind=kinds[code],
            stance=stance,
            wording=wording,
            advice=advice,
            lead_days=lead,
            max_diners_per_meal=cap,
            village_band=village,
            office_band=office,
            conditions=list(CONDITIONS) if code in ("wedding", "funeral", "other") else [],
            valid_from=VALID_FROM,
            basis_reference="郑州航空港区疫情防控指挥部：喜事缓办、丧事简办、宴会不办",
        )
