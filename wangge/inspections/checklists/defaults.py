"""The starting checklists, one per venue kind, in the district's own words (data, not interface).

Each item: (section, text, points, critical, photo on failure, data check, days). Loaded by the
data migration and by the demo through `load_default_checklists`; a kind that already has a
checklist is left alone (a district's edits are never overwritten).
"""

from __future__ import annotations

COMMON = [
    ("防控制度", "疫情防控责任人及应急预案是否落实", 10, False, False, "", 0),
    ("人员管理", "员工健康动态管理档案是否建立", 10, False, False, "", 0),
    ("人员管理", "员工是否按频次开展核酸检测", 15, True, False, "staff_tested", 0),
    ("入口管理", "入口是否测温扫码、查验健康码", 15, True, True, "", 0),
    ("入口管理", "场所码、行程码（两码）是否张贴", 10, False, True, "placards", 0),
    ("环境消杀", "消杀记录是否完整", 15, True, True, "disinfection_log", 7),
    ("个人防护", "工作人员是否规范佩戴口罩", 10, False, True, "", 0),
    ("物资储备", "防疫物资（口罩、消毒液、测温枪）是否充足", 5, False, False, "", 0),
]

EXTRA = {
    "hotel": [
        ("住宿登记", "入住人员是否逐一登记、查验健康码行程码", 10, True, False, "", 0),
        ("隔离设置", "是否设置临时隔离观察间", 5, False, True, "", 0),
    ],
    "restaurant": [
        ("餐饮管理", "餐桌间距及限流措施是否落实", 5, False, True, "", 0),
        ("餐饮管理", "餐具是否一客一消毒", 10, False, False, "", 0),
    ],
    "supermarket": [
        ("商超管理", "冷链食品是否有检测证明及消毒证明", 15, True, False, "", 0),
        ("商超管理", "是否控制人流、一米线是否设置", 5, False, True, "", 0),
    ],
    "market": [
        ("市场管理", "冷链食品是否有检测证明及消毒证明", 15, True, False, "", 0),
        ("市场管理", "是否控制人流、一米线是否设置", 5, False, True, "", 0),
    ],
    "middle_school": [
        ("校园管理", "外来人员出入检测登记是否规范", 15, True, False, "visitor_register", 0),
        ("校园管理", "晨午检及因病缺勤追踪是否落实", 10, False, False, "", 0),
    ],
    "primary_school": [
        ("校园管理", "外来人员出入检测登记是否规范", 15, True, False, "visitor_register", 0),
        ("校园管理", "晨午检及因病缺勤追踪是否落实", 10, False, False, "", 0),
    ],
    "kindergarten": [
        ("园所管理", "外来人员出入检测登记是否规范", 15, True, False, "visitor_register", 0),
        ("园所管理", "晨午检及因病缺勤追踪是否落实", 10, False, False, "", 0),
    ],
    "enterprise": [("企业管理", "员工食堂错峰就餐是否落实", 5, False, False, "", 0)],
    "construction_site": [("工地管理", "工人是否实名登记、封闭管理", 10, False, False, "", 0)],
    "clinic": [
        ("诊所药店", "发热患者是否登记并按规定转诊", 15, True, False, "", 0),
        ("诊所药店", "购买退热止咳药品人员是否实名登记", 10, False, False, "", 0),
    ],
    "internet_cafe": [("网吧管理", "上网人员是否隔位就座、限流", 5, False, True, "", 0)],
    "street_shop": [],
}


PROBLEMS = {
    "疫情防控责任人及应急预案是否落实": ("防控责任未落实", "prevention duties not assigned"),
    "员工健康动态管理档案是否建立": ("员工健康档案不全", "incomplete staff health records"),
    "员工是否按频次开展核酸检测": ("员工未按时检测", "staff not tested on time"),
    "入口是否测温扫码、查验健康码": ("未测温扫码", "no temperature or code check at the entrance"),
    "场所码、行程码（两码）是否张贴": ("两码未张贴", "code placards not posted"),
    "消杀记录是否完整": ("消杀记录不详", "incomplete disinfection records"),
    "工作人员是否规范佩戴口罩": ("未规范佩戴口罩", "staff not wearing masks properly"),
    "防疫物资（口罩、消毒液、测温枪）是否充足": ("防疫物资不足", "too few prevention supplies"),
    "外来人员出入检测登记是否规范": ("外来人员登记不规范", "visitor register not kept properly"),
    "冷链食品是否有检测证明及消毒证明": ("冷链食品证明不全", "cold-chain certificates missing"),
    "入住人员是否逐一登记、查验健康码行程码": ("入住登记不规范", "guests not registered properly"),
}


# A joint patrol's short check (联合巡查: each stop a short inspection): every critical item of a
# kind's checklist, and these of the common part.
PATROL_ALSO = ("场所码、行程码（两码）是否张贴", "工作人员是否规范佩戴口罩")


def on_patrol(text: str, critical: bool) -> bool:
    return critical or text in PATROL_ALSO


def problem_of(text: str) -> tuple[str, str]:
    return PROBLEMS.get(text, (text.replace("是否", "未"), ""))


def items_for(code: str) -> list[tuple]:
    return COMMON + EXTRA.get(code, [])


def load_default_checklists(VenueKind, ChecklistTemplate, ChecklistItem) -> int:  # noqa: N803
    """Give every kind without a checklist its starting one (version 1); models passed in, so a
    migration can call it with its historical models. Answers how many were made."""
    made = 0
    # The migration that first loads them predates the patrol flag (its models have no such field).
    has_patrol = any(f.name == "on_patrol" for f in ChecklistItem._meta.get_fields())
    for kind in VenueKind.objects.all():
        if ChecklistTemplate.objects.filter(kind=kind).exists():
            continue
        template = ChecklistTemplate.objects.create(
            kind=kind, version=1, name=f"{kind.name}疫情防控检查表", is_current=True
        )
        ChecklistItem.objects.bulk_create(
            [
                ChecklistItem(
                    template=template,
                    position=i,
                    section=section,
                    text=text,
                    points=points,
                    critical=critical,
                    photo_on_fail=photo,
                    note_on_fail=True,
                    data_check=check,
                    check_days=days or 7,
                    problem=problem_of(text)[0][:60],
                    problem_en=problem_of(text)[1],
                    **({"on_patrol": on_patrol(text, critical)} if has_patrol else {}),
                )
                for i, (section, text, points, critical, photo, check, days) in enumerate(
                    items_for(kind.code)
                )
            ]
        )
        made += 1
    return made
