"""Export any registry list to xlsx (or CSV, through the API): streamed from a temporary file
written by xlsxwriter in constant-memory mode (or by the CSV writer row by row); ID numbers and
phones masked unless the actor may see them; cells that a spreadsheet would run as a formula
neutralised; every export audited (list, format, filters, count — never the contents). The
columns match the import templates, so an export can be re-imported."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

import xlsxwriter
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.audit.models import Action, AuditEvent
from wangge.audit.services import current_channel, current_request_id
from wangge.core.access import Scope, user_or_none
from wangge.org.models import OrgUnit
from wangge.registry import selectors
from wangge.registry.imports.fields import choice_word
from wangge.registry.models import Rental, Tenancy, Visit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: Any) -> str:
    """A cell a spreadsheet will never run: a leading apostrophe before =, +, -, @, tab or CR."""
    s = "" if value is None else str(value)
    return "'" + s if s.startswith(FORMULA_STARTS) else s


def _date(d) -> str:
    return d.isoformat() if d else ""


# Each column: (header, kind, getter). kind: "id" and "phone" are masked by permission.
Column = tuple[str, str, Callable[[Any], Any]]


PEOPLE: list[Column] = [
    ("姓名", "text", lambda p: p.name),
    ("性别", "text", lambda p: {"M": "男", "F": "女"}.get(p.sex, "")),
    ("证件类型", "text", lambda p: choice_word("id_type", p.id_type)),
    ("证件号码", "id", lambda p: p.id_number),
    ("手机号", "phone", lambda p: p.phone),
    ("人员类型", "text", lambda p: choice_word("status", p.status)),
    ("网格编码", "text", lambda p: p.grid.code),
    ("网格", "text", lambda p: p.grid.name),
    ("楼栋", "text", lambda p: p.household.room.building.name if p.household else ""),
    ("单元", "text", lambda p: p.household.room.unit_label if p.household else ""),
    ("房号", "text", lambda p: p.household.room.number if p.household else ""),
    ("地址", "text", lambda p: p.household.address if p.household else ""),
    ("与户主关系", "text", lambda p: choice_word("relation", p.relation)),
    ("户籍地", "text", lambda p: p.hukou_place),
    ("来源地", "text", lambda p: p.origin),
    ("工作单位", "text", lambda p: p.employer),
    ("到达日期", "text", lambda p: _date(p.arrival_date)),
    ("离开日期", "text", lambda p: _date(p.departure_date)),
]

HOUSEHOLDS: list[Column] = [
    ("网格编码", "text", lambda h: h.room.building.grid.code),
    ("网格", "text", lambda h: h.room.building.grid.name),
    ("楼栋", "text", lambda h: h.room.building.name),
    ("单元", "text", lambda h: h.room.unit_label),
    ("房号", "text", lambda h: h.room.number),
    ("地址", "text", lambda h: h.address),
    ("户主姓名", "text", lambda h: h.head.name if h.head else ""),
    ("户主证件号", "id", lambda h: h.head.id_number if h.head else ""),
    ("户主手机号", "phone", lambda h: h.head.phone if h.head else ""),
    ("人数", "number", lambda h: h.member_count),
]

BUILDINGS: list[Column] = [
    ("网格编码", "text", lambda b: b.grid.code),
    ("网格", "text", lambda b: b.grid.name),
    ("楼栋名称", "text", lambda b: b.name),
    ("类型", "text", lambda b: choice_word("building_kind", b.kind)),
    ("地址", "text", lambda b: b.address),
    ("单元数", "number", lambda b: b.unit_count),
    ("层数", "number", lambda b: b.floor_count),
]

RENTALS: list[Column] = [
    ("网格编码", "text", lambda r: r.building.grid.code),
    ("楼栋", "text", lambda r: r.building.name),
    ("单元", "text", lambda r: r.room.unit_label if r.room else ""),
    ("房号", "text", lambda r: r.room.number if r.room else ""),
    ("类型", "text", lambda r: choice_word("rental_kind", r.kind)),
    ("名称", "text", lambda r: r.name),
    ("地址", "text", lambda r: r.address),
    ("房东姓名", "text", lambda r: r.landlord.name),
    ("房东证件号", "id", lambda r: r.landlord.id_number),
    ("房东电话", "phone", lambda r: r.landlord.phone),
    ("管理人", "text", lambda r: r.manager_name),
    ("管理人电话", "phone", lambda r: r.manager_phone),
    ("状态", "text", lambda r: choice_word("rental_status", r.status)),
    ("房间数", "number", lambda r: r.rooms),
    ("可住人数", "number", lambda r: r.capacity),
    ("承诺书签订日期", "text", lambda r: _date(r.pledge_signed_on)),
    ("张贴日期", "text", lambda r: _date(r.placards_posted_on)),
    ("张贴人", "text", lambda r: r.placards_posted_by),
    ("在住租户", "text", lambda r: "、".join(t.person.name for t in r.current_tenancies)),
]

TENANTS: list[Column] = [
    ("出租屋地址", "text", lambda t: t.rental.address),
    ("网格编码", "text", lambda t: t.rental.building.grid.code),
    ("楼栋", "text", lambda t: t.rental.building.name),
    ("单元", "text", lambda t: t.rental.room.unit_label if t.rental.room else ""),
    ("房号", "text", lambda t: t.rental.room.number if t.rental.room else ""),
    ("姓名", "text", lambda t: t.person.name),
    ("证件类型", "text", lambda t: choice_word("id_type", t.person.id_type)),
    ("证件号码", "id", lambda t: t.person.id_number),
    ("手机号", "phone", lambda t: t.person.phone),
    ("入住日期", "text", lambda t: _date(t.move_in)),
    ("搬离日期", "text", lambda t: _date(t.move_out)),
    ("报备日期", "text", lambda t: _date(t.reported_on)),
    ("是否来自中高风险地区", "text", lambda t: "是" if t.from_risk_area else "否"),
]

VISIT_OUTCOME = {
    "met": "见到住户",
    "nobody_home": "无人在家",
    "refused": "拒绝配合",
    "issue_found": "发现问题",
}


def _visit_place(v) -> Any:
    return v.household if v.household_id else v.rental


VISITS: list[Column] = [
    ("走访时间", "text", lambda v: timezone.localtime(v.visited_at).strftime("%Y-%m-%d %H:%M")),
    ("走访人", "text", lambda v: v.visitor_name),
    ("走访对象", "text", lambda v: "住户" if v.household_id else "出租屋"),
    ("地址", "text", lambda v: _visit_place(v).address),
    (
        "网格编码",
        "text",
        lambda v: v.household.room.building.grid.code if v.household_id else v.rental.building.grid.code,
    ),
    ("走访结果", "text", lambda v: VISIT_OUTCOME.get(v.outcome, v.outcome)),
    ("需要跟进", "text", lambda v: "是" if v.follow_up_needed else "否"),
    (
        "跟进完成时间",
        "text",
        lambda v: _date(v.follow_up_done_at and timezone.localtime(v.follow_up_done_at).date()),
    ),
    ("情况记录", "text", lambda v: v.notes),
]

COLUMNS: dict[str, list[Column]] = {
    "people": PEOPLE,
    "households": HOUSEHOLDS,
    "buildings": BUILDINGS,
    "rentals": RENTALS,
    "tenants": TENANTS,
    "visits": VISITS,
}
LISTS = tuple(COLUMNS)


def _current_tenancies() -> Prefetch:
    today = timezone.localdate()
    current = Tenancy.objects.filter(Q(move_out__isnull=True) | Q(move_out__gt=today)).select_related(
        "person"
    )
    return Prefetch("tenancies", queryset=current.order_by("move_in", "pk"), to_attr="current_tenancies")


def base_queryset(scope: Scope, list_name: str, *, include_departed: bool = False) -> QuerySet:
    """The list in the scope, with what its columns read joined in (no N+1)."""
    if list_name == "people":
        return selectors.people(scope, include_departed=include_departed).select_related(
            "grid", "household__room__building"
        )
    if list_name == "households":
        return (
            selectors.households(scope)
            .select_related("room__building__grid", "head")
            .annotate(member_count=Count("members", filter=Q(members__is_active=True)))
        )
    if list_name == "buildings":
        return selectors.buildings(scope)
    if list_name == "rentals":
        return scope.filter(Rental.objects.select_related("building__grid", "room", "landlord"))
    if list_name == "visits":
        return scope.filter(
            Visit.objects.select_related("household__room__building__grid", "rental__building__grid")
        )
    if list_name == "tenants":
        return scope.filter(
            Tenancy.objects.select_related("rental__building__grid", "rental__room", "person")
        )
    raise ValueError(list_name)


# What a list's columns read from related rows that a join cannot give (the tenants living in a
# rental now), fetched once per chunk of rows.
PREFETCHES: dict[str, Callable[[], Prefetch]] = {"rentals": lambda: _current_tenancies()}


def prepare(list_name: str, qs: QuerySet) -> QuerySet:
    """Joins the columns need, for a queryset another page has filtered."""
    joins = {
        "people": ("grid", "household__room__building"),
        "households": ("room__building__grid", "head"),
        "buildings": ("grid",),
        "rentals": ("building__grid", "room", "landlord"),
        "tenants": ("rental__building__grid", "rental__room", "person"),
        "visits": ("household__room__building__grid", "rental__building__grid"),
    }[list_name]
    qs = qs.select_related(*joins)
    if list_name == "households" and "member_count" not in qs.query.annotations:
        qs = qs.annotate(member_count=Count("members", filter=Q(members__is_active=True)))
    return qs


STATUS_FILTERS = {
    "people": lambda qs, s: qs.filter(status=s),
    "rentals": lambda qs, s: qs.filter(status=s),
    "buildings": lambda qs, s: qs.filter(kind=s),
    "tenants": lambda qs, s: qs.filter(move_out__isnull=(s == "current")),
    "visits": lambda qs, s: (
        qs.filter(follow_up_needed=True, follow_up_done_at__isnull=True)
        if s == "follow_up"
        else qs.filter(outcome=s)
    ),
}

SEARCH = {
    "people": lambda q: (
        Q(name__icontains=q) | Q(name_initials__startswith=q.lower()) | Q(id_number__endswith=q)
    ),
    "households": lambda q: Q(address__icontains=q) | Q(head__name__icontains=q),
    "buildings": lambda q: Q(name__icontains=q) | Q(address__icontains=q),
    "rentals": lambda q: Q(address__icontains=q) | Q(name__icontains=q) | Q(landlord__name__icontains=q),
    "tenants": lambda q: Q(person__name__icontains=q) | Q(rental__address__icontains=q),
    "visits": lambda q: (
        Q(visitor_name__icontains=q) | Q(household__address__icontains=q) | Q(rental__address__icontains=q)
    ),
}


def filtered(scope: Scope, list_name: str, params) -> QuerySet:
    """The list's filters as the list pages take them: grid/unit (inside the scope, else 404),
    status, q; people also `departed=1`."""
    qs = base_queryset(scope, list_name, include_departed=params.get("departed") in ("1", "on", "true"))
    unit_id = params.get("grid") or params.get("unit") or params.get("under")
    if unit_id:
        unit = scope.get(OrgUnit.objects.all(), pk=unit_id)
        qs = qs.filter(path__startswith=unit.path)
    status = (params.get("status") or "").strip()
    if status and list_name in STATUS_FILTERS:
        qs = STATUS_FILTERS[list_name](qs, status)
    q = (params.get("q") or "").strip()
    if q:
        qs = qs.filter(SEARCH[list_name](q))
    return qs


def _rows(list_name: str, qs: QuerySet, actor: Any) -> Iterator[list[tuple[str, Any]]]:
    """The list's rows as (kind, value) cells, ready to write: ID numbers and phones masked
    unless the actor may see them, text neutralised (safe_text), numbers left as numbers."""
    from wangge.core.access import has_permission
    from wangge.core.masking import mask_id, mask_phone
    from wangge.registry.permissions import REGISTRY_VIEW_IDS, REGISTRY_VIEW_PHONES

    show_ids = has_permission(actor, REGISTRY_VIEW_IDS)
    show_phones = has_permission(actor, REGISTRY_VIEW_PHONES)
    columns = COLUMNS[list_name]
    prefetch = PREFETCHES.get(list_name)
    if prefetch is not None:  # one query per chunk of rows, in place of whatever a page prefetched
        qs = qs.prefetch_related(None).prefetch_related(prefetch())
    for obj in qs.iterator(chunk_size=2000):
        cells: list[tuple[str, Any]] = []
        for _header, kind, get in columns:
            value = get(obj)
            if kind == "number":
                cells.append((kind, value))
                continue
            if kind == "id" and not show_ids:
                value = mask_id(value or "")
            elif kind == "phone" and not show_phones:
                value = mask_phone(value or "")
            cells.append((kind, safe_text(value)))
        yield cells


def write_xlsx(target, list_name: str, qs: QuerySet, actor: Any) -> int:
    """Write the list to `target` (a path or binary file); returns the number of rows."""
    columns = COLUMNS[list_name]
    book = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet(list_name)
    bold = book.add_format({"bold": True})
    for col, (header, _kind, _get) in enumerate(columns):
        sheet.write_string(0, col, header, bold)
        sheet.set_column(col, col, max(10, len(header) * 2 + 4))
    row = 0
    for cells in _rows(list_name, qs, actor):
        row += 1
        for col, (kind, value) in enumerate(cells):
            if kind == "number":
                if value is not None:
                    sheet.write_number(row, col, value)
                continue
            sheet.write_string(row, col, value)
    sheet.freeze_panes(1, 0)
    book.close()
    return row


def write_csv(target: BinaryIO, list_name: str, qs: QuerySet, actor: Any) -> int:
    """Write the list to the binary file `target` as CSV in UTF-8 with a byte-order mark (what
    Excel needs to read Chinese), same columns, masking and neutralising as the xlsx; returns
    the number of rows."""
    text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="")
    try:
        writer = csv.writer(text)
        writer.writerow([header for header, _kind, _get in COLUMNS[list_name]])
        row = 0
        for cells in _rows(list_name, qs, actor):
            row += 1
            writer.writerow(["" if value is None else value for _kind, value in cells])
    finally:
        text.flush()
        text.detach()  # the caller keeps (and closes) the binary file
    return row


# format → (writer, media type); the format is also the file extension
FORMATS: dict[str, tuple[Callable[..., int], str]] = {"xlsx": (write_xlsx, XLSX), "csv": (write_csv, CSV)}


def audit_export(
    *, actor: Any, scope: Scope, list_name: str, count: int, params: Any = None, fmt: str = "xlsx"
) -> None:
    """Who exported which list, in which format, with which filters, how many rows — never the
    rows. `params` is the page's query (or the API's filters under the same names)."""
    params = params or {}
    filters = {k: params[k] for k in ("grid", "unit", "under", "status", "departed") if params.get(k)}
    if params.get("q"):
        filters["q"] = True  # a search may itself be a name or a number: not kept
    user = user_or_none(actor)
    AuditEvent.objects.create(
        actor=user,
        actor_name=user.get_username() if user else "system",
        action=Action.VIEW,
        model=f"registry.export.{list_name}",
        object_id="export",
        object_repr=_("Export of %(list)s: %(count)s rows") % {"list": list_name, "count": count},
        path=scope.path or "",
        after={"list": list_name, "rows": count, "filters": filters, "format": fmt},
        channel=current_channel.get(),
        request_id=current_request_id.get(),
    )


def export_response(
    request, list_name: str, queryset: QuerySet, *, fmt: str = "xlsx", params: Any = None
) -> FileResponse:
    """A download of `queryset` (already scoped and filtered by the caller) as xlsx or CSV. The
    list page's "Export to Excel" button and the API's /registry/exports/ routes use this;
    REGISTRY_EXPORT is checked here too. `params` (the filters, for the audit) defaults to the
    request's query.

    The file is written to a temporary file on disk (xlsxwriter in constant-memory mode, or the
    CSV writer row by row) and streamed from there: a large list is never held in memory."""
    from wangge.registry.permissions import REGISTRY_EXPORT

    actor = getattr(request, "actor", None) or request.user
    scope = getattr(request, "scope", None)
    if scope is None:
        from wangge.core.access import scope_of

        scope = scope_of(actor)
    scope.require(REGISTRY_EXPORT)
    if list_name not in COLUMNS:
        raise ValueError(list_name)
    write, content_type = FORMATS[fmt]
    qs = scope.filter(prepare(list_name, queryset))  # scoped again: a caller's slip cannot leak
    tmp = tempfile.TemporaryFile(suffix=f".{fmt}")  # noqa: SIM115 - closed by the response
    try:
        count = write(tmp, list_name, qs, actor)
    except BaseException:
        tmp.close()
        raise
    audit_export(
        actor=actor,
        scope=scope,
        list_name=list_name,
        count=count,
        params=request.GET if params is None else params,
        fmt=fmt,
    )
    tmp.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        content_type += "; charset=utf-8"
    return FileResponse(
        tmp, as_attachment=True, filename=f"{list_name}-{stamp}.{fmt}", content_type=content_type
    )
