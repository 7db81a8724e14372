"""What each kind of import reads: the columns, their usual Chinese headers, and the Chinese
words villages write for each choice. Headers are part of the file format (Chinese on purpose);
the help texts are interface strings."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace

from django.utils.translation import gettext_lazy as _

from wangge.registry.models import (
    BuildingKind,
    IdType,
    ImportKind,
    Relation,
    RentalKind,
    RentalStatus,
    ResidentStatus,
)


@dataclass(frozen=True)
class Field:
    key: str
    header: str  # the header in our template
    synonyms: tuple[str, ...] = ()
    required: bool = False
    help: str = ""
    text: bool = False  # keep as text in the template (ID numbers, phones, room numbers)


GRID = Field(
    "grid",
    "网格编码",
    ("网格", "所属网格", "网格名称", "三级网格", "网格代码", "网格号"),
    help=_("Grid code or name. May be left empty when your jurisdiction has a single grid."),
)
BUILDING = Field(
    "building", "楼栋", ("楼号", "栋", "楼栋名称", "楼栋号", "楼宇", "楼名", "楼栋名"), text=True
)
UNIT = Field("unit", "单元", ("单元号",), text=True)
ROOM = Field("room", "房号", ("门牌号", "室", "房间号", "房屋号", "户号", "房间"), text=True)
NAME = Field("name", "姓名", ("名字", "人员姓名", "租户姓名", "租客姓名"), required=True)
ID_TYPE = Field("id_type", "证件类型", ("证件种类",), help=_("Empty means a resident ID card (居民身份证)."))
ID_NUMBER = Field(
    "id_number",
    "证件号码",
    ("身份证号", "身份证号码", "证件号", "公民身份号码", "身份证", "证件编号"),
    required=True,
    text=True,
)
PHONE = Field("phone", "手机号", ("手机", "联系电话", "电话", "手机号码", "联系方式", "电话号码"), text=True)


def _date(key: str, header: str, *synonyms: str, required: bool = False) -> Field:
    return Field(key, header, synonyms, required=required, help=_("A date such as 2022-05-01."))


FIELDS: dict[str, list[Field]] = {
    ImportKind.BUILDINGS: [
        GRID,
        Field("name", "楼栋名称", ("楼栋", "楼号", "栋", "楼名", "楼栋名", "名称"), required=True, text=True),
        Field(
            "kind",
            "类型",
            ("楼栋类型", "房屋类型"),
            help=_("住宅楼, 自建房, 宿舍/公寓, 门面房, 厂房 or 其他."),
        ),
        Field("address", "地址", ("详细地址", "楼栋地址")),
        Field("unit_count", "单元数", ("单元数量",)),
        Field("floor_count", "层数", ("楼层数", "总层数")),
    ],
    ImportKind.HOUSEHOLDS: [
        GRID,
        replace(BUILDING, required=True),
        UNIT,
        replace(ROOM, required=True),
        Field("head_name", "户主姓名", ("户主",)),
        Field("head_id_type", "户主证件类型", ()),
        Field("head_id", "户主证件号", ("户主证件号码", "户主身份证号", "户主身份证号码"), text=True),
        Field("head_phone", "户主手机号", ("户主电话", "户主联系电话", "户主手机"), text=True),
        Field("note", "备注", ("说明",)),
    ],
    ImportKind.PEOPLE: [
        NAME,
        ID_TYPE,
        ID_NUMBER,
        PHONE,
        Field("status", "人员类型", ("人口类型", "人员类别", "类型"), help=_("户籍, 流动人口 or 租户.")),
        Field("hukou_place", "户籍地", ("户籍地址", "户籍所在地")),
        Field("origin", "来源地", ("来自", "从何处来", "来源")),
        Field("employer", "工作单位", ("单位", "就业单位", "工作地点")),
        _date("arrival_date", "到达日期", "来郑日期", "到达时间", "入住日期"),
        GRID,
        BUILDING,
        UNIT,
        ROOM,
        Field("relation", "与户主关系", ("关系", "家庭关系"), help=_("户主, 配偶, 子女, 父母 …")),
    ],
    ImportKind.RENTALS: [
        GRID,
        replace(BUILDING, required=True),
        UNIT,
        ROOM,
        Field("kind", "类型", ("房屋类型", "出租类型"), help=_("出租屋 or 门店.")),
        Field("name", "名称", ("门店名称", "店名", "出租屋名称", "招牌")),
        Field("address", "地址", ("出租屋地址", "详细地址")),
        Field("landlord_name", "房东姓名", ("房东", "房主姓名", "房主", "业主姓名", "业主"), required=True),
        Field(
            "landlord_id",
            "房东证件号",
            ("房东证件号码", "房东身份证号", "房东身份证号码", "房主身份证号", "业主身份证号"),
            required=True,
            text=True,
        ),
        Field("landlord_phone", "房东电话", ("房东手机号", "房东联系电话", "房主电话"), text=True),
        Field("manager_name", "管理人", ("管理人姓名", "负责人")),
        Field("manager_phone", "管理人电话", ("管理人手机号", "负责人电话"), text=True),
        Field("status", "状态", ("出租状态", "使用状态"), help=_("出租, 空置 or 自用.")),
        Field("rooms", "房间数", ("间数", "出租间数")),
        Field("capacity", "可住人数", ("容纳人数", "核定人数")),
        _date("pledge_signed_on", "承诺书签订日期", "承诺书日期", "签订承诺书日期"),
        _date("placards_posted_on", "张贴日期", "码牌张贴日期", "三码张贴日期"),
        Field("placards_posted_by", "张贴人", ("码牌张贴人",)),
    ],
    ImportKind.TENANTS: [
        Field(
            "rental_address",
            "出租屋地址",
            ("出租屋", "租住地址", "居住地址", "地址"),
            help=_("The address of a rental already registered; or give the building and room instead."),
        ),
        GRID,
        BUILDING,
        UNIT,
        ROOM,
        NAME,
        ID_TYPE,
        ID_NUMBER,
        PHONE,
        _date("move_in", "入住日期", "入住时间", "租住日期", "来租日期", required=True),
        _date("move_out", "搬离日期", "搬离时间", "退租日期"),
        _date("reported_on", "报备日期", "登记日期", "报备时间"),
        Field(
            "landlord_id",
            "房东身份证号码",
            ("房东身份证号", "房东证件号", "房东证件号码"),
            text=True,
            help=_("Only where one address has several landlords: the landlord of this tenant's rental."),
        ),
        Field(
            "from_risk_area",
            "是否来自中高风险地区",
            ("中高风险地区", "来自中高风险地区", "是否来自风险地区"),
            help=_("是 or 否."),
        ),
    ],
    # A village's own roll: one row per house (a let house with several tenants: one row per
    # tenant, the house's cells repeated or merged). Plain 姓名 / 身份证号码 / 电话 columns are the
    # landlord's the first time and the tenant's the second (see detect_mapping).
    ImportKind.RENTAL_ROLL: [
        Field(
            "address",
            "房屋地址",
            ("门牌号", "地址", "出租屋地址", "房屋坐落", "详细地址", "住址", "房屋位置", "门牌地址"),
            required=True,
            help=_("As the village writes it: 3组12号, 建设路15号 …"),
        ),
        Field("group", "组别", ("组", "村民小组", "所属小组", "小组", "所在组")),
        GRID,
        Field(
            "landlord_name",
            "房东姓名",
            ("房东", "户主", "户主姓名", "房主", "房主姓名", "业主", "业主姓名", "房东名字", "姓名"),
            required=True,
        ),
        Field(
            "landlord_id",
            "房东身份证号码",
            (
                "房东身份证号",
                "房东证件号",
                "房东证件号码",
                "房东公民身份号码",
                "户主身份证号",
                "户主身份证号码",
                "房主身份证号",
                "业主身份证号",
                "身份证号码",
                "身份证号",
                "证件号",
                "证件号码",
                "公民身份号码",
            ),
            required=True,
            text=True,
        ),
        Field(
            "landlord_phone",
            "房东电话",
            (
                "房东联系电话",
                "房东手机号",
                "房东手机",
                "户主电话",
                "户主联系电话",
                "房主电话",
                "联系电话",
                "电话",
                "手机号",
            ),
            text=True,
        ),
        Field(
            "co_owner",
            "是否共有",
            ("共有", "共同房东", "是否共有房东", "共有房东"),
            help=_("是 when this row's landlord owns the house together with the landlord of another row."),
        ),
        Field(
            "status",
            "房屋状态",
            ("出租情况", "使用情况", "出租状态", "房屋使用情况", "状态", "是否出租"),
            help=_("出租, 空置 or 自用."),
        ),
        Field("rooms", "出租间数", ("房间数", "间数", "出租房间数")),
        Field(
            "capacity",
            "可住人数",
            ("核定人数", "容纳人数", "核定居住人数"),
            help=_("Empty: as many as the roll lists as tenants of the house."),
        ),
        Field(
            "tenant_name",
            "租户姓名",
            ("租户", "租客", "租客姓名", "承租人", "承租人姓名", "租住人员", "姓名"),
        ),
        Field(
            "tenant_id",
            "租户身份证号",
            (
                "租户身份证号码",
                "租户证件号",
                "租户证件号码",
                "租客身份证号",
                "租客身份证号码",
                "承租人身份证号",
                "承租人身份证号码",
                "身份证号码",
                "身份证号",
                "证件号",
                "证件号码",
                "公民身份号码",
            ),
            text=True,
        ),
        Field(
            "tenant_phone",
            "租户电话",
            ("租户联系电话", "租户手机号", "租客电话", "承租人电话", "联系电话", "电话", "手机号"),
            text=True,
        ),
        _date("move_in", "入住日期", "入住时间", "租住日期", "来租日期", "承租日期"),
        _date("reported_on", "报备日期", "登记日期", "报备时间"),
        Field("hukou_place", "户籍地", ("籍贯", "户籍地址", "户籍所在地", "租户户籍地")),
        Field("employer", "工作单位", ("务工单位", "就业单位", "工作地点", "单位")),
        Field("origin", "来源地", ("从何处来", "来自")),
        _date(
            "pledge_signed_on",
            "承诺书签订日期",
            "承诺书日期",
            "签订承诺书日期",
            "签订承诺书时间",
            "承诺书签订时间",
        ),
        Field(
            "placards",
            "是否张贴两码",
            ("张贴两码", "是否张贴", "是否张贴三码", "两码张贴", "码牌张贴日期", "张贴日期"),
            help=_("是, 否 or the date they were posted."),
        ),
        Field("note", "备注", ("说明",)),
    ],
}

# The words villages write for each choice; the first is what we write back out.
CHOICE_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "id_type": {
        IdType.RESIDENT_ID: ("居民身份证", "身份证", "二代身份证", "身份证号"),
        IdType.PASSPORT: ("护照",),
        IdType.HK_MACAO: ("港澳居民来往内地通行证", "港澳通行证", "回乡证"),
        IdType.TAIWAN: ("台湾居民来往大陆通行证", "台胞证"),
        IdType.FOREIGN_PR: ("外国人永久居留身份证", "永久居留证", "绿卡"),
        IdType.OTHER: ("其他",),
    },
    "status": {
        ResidentStatus.REGISTERED: ("户籍", "户籍人口", "常住", "常住人口", "本地"),
        ResidentStatus.MIGRANT: ("流动人口", "流动", "外来人口", "外来"),
        ResidentStatus.TENANT: ("租户", "租住", "租客"),
    },
    "relation": {
        Relation.HEAD: ("户主", "本人"),
        Relation.SPOUSE: ("配偶", "妻", "妻子", "夫", "丈夫"),
        Relation.CHILD: ("子女", "子", "女", "儿子", "女儿", "长子", "长女", "次子", "次女"),
        Relation.PARENT: ("父母", "父亲", "母亲", "父", "母"),
        Relation.GRANDCHILD: ("孙子女", "孙子", "孙女", "外孙", "外孙女"),
        Relation.SIBLING: ("兄弟姐妹", "兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹"),
        Relation.TENANT: ("租户", "租客", "房客"),
        Relation.COLLEAGUE: ("同事", "工友"),
        Relation.OTHER: ("其他", "其它"),
    },
    "building_kind": {
        BuildingKind.RESIDENTIAL: ("住宅楼", "居民楼", "住宅", "小区"),
        BuildingKind.VILLAGE_HOUSE: ("自建房", "村民自建房", "民房"),
        BuildingKind.DORMITORY: ("宿舍/公寓", "宿舍", "公寓"),
        BuildingKind.SHOP_ROW: ("门面房", "沿街商铺", "商铺", "门面"),
        BuildingKind.FACTORY: ("厂房", "工厂"),
        BuildingKind.OTHER: ("其他", "其它"),
    },
    "rental_kind": {
        RentalKind.DWELLING: ("出租屋", "住房", "出租房"),
        RentalKind.SHOP: ("门店", "沿街门店", "商铺", "门面"),
    },
    "rental_status": {
        RentalStatus.LET: ("出租", "已出租", "在租"),
        RentalStatus.VACANT: ("空置", "闲置", "空房"),
        RentalStatus.SELF_USE: ("自用", "自住"),
    },
}

YES = {"是", "y", "yes", "1", "true", "√", "✓", "有"}
NO = {"否", "n", "no", "0", "false", "×", "无", ""}

_MARKS = re.compile(r"[\s*＊:：]|\((必填|选填|可选)\)")


def normalise_header(text: object) -> str:
    """Full-width to half-width, spaces, required-marks and colons out, lower case."""
    return _normalise(str(text or ""))


@functools.lru_cache(maxsize=16384)
def _normalise(s: str) -> str:
    return _MARKS.sub("", unicodedata.normalize("NFKC", s)).lower()


def choice_word(group: str, value: str) -> str:
    words = CHOICE_WORDS[group].get(value)
    return words[0] if words else ""


@functools.cache
def _choice_index(group: str) -> dict[str, str]:
    index: dict[str, str] = {}
    for value, words in CHOICE_WORDS[group].items():
        index.setdefault(normalise_header(value), value)
        for w in words:
            index.setdefault(normalise_header(w), value)
    return index


def parse_choice(group: str, raw: str) -> str | None:
    """The stored value for a word (or the value itself); None if unknown, '' if empty."""
    text = normalise_header(raw)
    if not text:
        return ""
    return _choice_index(group).get(text)


def fields_of(kind_or_fields: str | Sequence[Field]) -> Sequence[Field]:
    """A registry import kind's fields, or the fields another importer passes."""
    return FIELDS[kind_or_fields] if isinstance(kind_or_fields, str) else kind_or_fields


def header_index(kind: str | Sequence[Field]) -> dict[str, list[str]]:
    """normalised header → the field keys it may fill, in order, for one kind (or a list of fields)."""
    if isinstance(kind, str):
        return _kind_index(kind)
    return _index(tuple(kind))


@functools.cache
def _kind_index(kind: str) -> dict[str, list[str]]:
    return _index(tuple(FIELDS[kind]))


def _index(fields: tuple[Field, ...]) -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for f in fields:
        for h in (f.header, *f.synonyms):
            keys = index.setdefault(normalise_header(h), [])
            if f.key not in keys:
                keys.append(f.key)
    return index


def detect_mapping(kind: str | Sequence[Field], headers: list[str]) -> dict[str, int]:
    """field key → column index; the first column that matches a field wins. `kind` is a registry
    import kind or any list of Field (other importers pass their own, with their synonyms). A
    header that may fill several fields (a roll's plain 姓名, 身份证号码, 电话) fills the one of the
    person whose columns it stands among (after 租户姓名: the tenant's), else the first not taken."""
    index = header_index(kind)
    mapping: dict[str, int] = {}
    last_group = ""  # landlord / tenant: the person whose columns we are in
    for col, header in enumerate(headers):
        keys = [k for k in index.get(normalise_header(header), ()) if k not in mapping]
        if not keys:
            continue
        same = [k for k in keys if last_group and k.startswith(last_group + "_")]
        key = (same or keys)[0]
        mapping[key] = col
        if key.startswith(("landlord_", "tenant_")):
            last_group = key.split("_", 1)[0]
    return mapping


def field_map(kind: str) -> dict[str, Field]:
    return {f.key: f for f in FIELDS[kind]}
