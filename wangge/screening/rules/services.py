"""The rules as data, edited by the district: key-people categories, the dated list of risk areas
(by hand or imported from a file) and the measure rules with their phases.

Only district-level accounts with SCREENING_RULES change them (an account whose jurisdiction has no
parent). Every change runs in one transaction with its audit row inside it, filed under the
actor's jurisdiction path (the data itself is district-wide and has no path of its own).

The "by occupation or employer" helpers at the end are scoped, not district-only: they screen
registry people of the actor's scope into a category.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import IO, Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import Actor, has_permission, scope_of, user_or_none
from wangge.registry.imports import reading, values
from wangge.registry.imports.engine import ErrorBook
from wangge.registry.imports.fields import Field, detect_mapping, normalise_header
from wangge.screening import permissions as perms
from wangge.screening.models import (
    Category,
    EntryWay,
    MeasureKind,
    MeasurePolicy,
    PolicyPhase,
    RiskArea,
    RiskLevel,
    ScreeningSource,
    TriggerKind,
)
from wangge.screening.rules.selectors import (
    ImportPreview,
    cache_key,
    is_district_editor,
    occupation_candidates,
)

MAX_PHASES = 3
IMPORT_MAX_BYTES = 5 * 1024 * 1024
IMPORT_CACHE_SECONDS = 3600


# --- who may edit -----------------------------------------------------------------------


def require_district_editor(actor: Actor) -> None:
    """Categories, risk areas and rules apply across the district: only the district edits them."""
    if not is_district_editor(actor):
        raise PermissionDenied(_("Only the district edits categories, risk areas and measure rules."))


def _actor_path(actor: Actor) -> str:
    return actor.jurisdiction.path if getattr(actor, "jurisdiction", None) else ""


def _audit(actor: Actor, action: str, obj, before: dict | None = None, after: dict | None = None) -> None:
    audit.record(actor=actor, action=action, obj=obj, path=_actor_path(actor), before=before, after=after)


def _full_clean(obj, exclude: list[str] | None = None) -> None:
    obj.full_clean(exclude=exclude, validate_constraints=True)


# --- categories -------------------------------------------------------------------------

CATEGORY_FIELDS = (
    "code",
    "name",
    "test_interval_days",
    "default_measure",
    "entry",
    "keywords",
    "position",
    "is_active",
)


def _clean_category(category: Category) -> None:
    category.name = (category.name or "").strip()
    category.keywords = ",".join(category.keyword_list())
    category.code = (category.code or "").strip() or slugify(category.name)
    if not category.code:
        raise ValidationError({"code": _("Give a code of letters, digits, - or _ (for example cold_chain).")})
    if category.entry == EntryWay.OCCUPATION and not category.keywords:
        raise ValidationError(
            {"keywords": _("A category entered by occupation or employer needs at least one keyword.")}
        )
    if category.test_interval_days > 365:
        raise ValidationError({"test_interval_days": _("At most 365 days between tests.")})
    _full_clean(category)


@transaction.atomic
def create_category(
    *,
    actor: Actor,
    name: str,
    code: str = "",
    test_interval_days: int = 0,
    default_measure: str = "",
    entry: str = EntryWay.MANUAL,
    keywords: str = "",
    position: int = 0,
    is_active: bool = True,
) -> Category:
    require_district_editor(actor)
    category = Category(
        code=code,
        name=name,
        test_interval_days=test_interval_days or 0,
        default_measure=default_measure or "",
        entry=entry,
        keywords=keywords or "",
        position=position or 0,
        is_active=is_active,
    )
    _clean_category(category)
    category.save()
    _audit(actor, Action.CREATE, category, after=audit.snapshot(category))
    return category


@transaction.atomic
def update_category(*, actor: Actor, category: Category, **changes: Any) -> Category:
    require_district_editor(actor)
    unknown = set(changes) - set(CATEGORY_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    category = Category.objects.select_for_update().get(pk=category.pk)
    before = audit.snapshot(category)
    for name, value in changes.items():
        if value is None and name in ("default_measure", "keywords"):
            value = ""
        setattr(category, name, value)
    _clean_category(category)
    category.save()
    _audit(actor, Action.UPDATE, category, before=before, after=audit.snapshot(category))
    return category


# --- risk areas -------------------------------------------------------------------------

RISK_AREA_FIELDS = ("province", "city", "county", "township", "level", "valid_from", "valid_to", "note")

LEVEL_WORDS = {
    RiskLevel.HIGH: ("高", "高风险", "高风险地区", "高风险区", "high", "h"),
    RiskLevel.MEDIUM: ("中", "中风险", "中风险地区", "中风险区", "medium", "middle", "m"),
}


def parse_level(text: object) -> str | None:
    """高 / 高风险 / high → "high"; 中 / 中风险 / medium → "medium"; else None."""
    word = normalise_header(text)
    for level, words in LEVEL_WORDS.items():
        if word in words or word == level:
            return level
    return None


def _strip_area(area: RiskArea) -> None:
    for name in ("province", "city", "county", "township", "note"):
        setattr(
            area,
            name,
            "".join((getattr(area, name) or "").split()) if name != "note" else (area.note or "").strip(),
        )


def _clean_area(area: RiskArea) -> None:
    _strip_area(area)
    if not area.province:
        raise ValidationError({"province": _("The province is required.")})
    if area.level not in RiskLevel.values:
        raise ValidationError({"level": _("The level is high or medium.")})
    if area.valid_to is not None and area.valid_from and area.valid_to < area.valid_from:
        raise ValidationError({"valid_to": _("The end date is before the start date.")})
    try:
        _full_clean(area, exclude=["created_by"])
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "__all__" in exc.error_dict:
            raise ValidationError(_("This area is already listed at this level from this date.")) from exc
        raise


@transaction.atomic
def create_risk_area(
    *,
    actor: Actor,
    province: str,
    level: str,
    valid_from: date,
    city: str = "",
    county: str = "",
    township: str = "",
    valid_to: date | None = None,
    note: str = "",
) -> RiskArea:
    require_district_editor(actor)
    area = RiskArea(
        province=province,
        city=city or "",
        county=county or "",
        township=township or "",
        level=level,
        valid_from=valid_from,
        valid_to=valid_to,
        note=note or "",
        created_by=user_or_none(actor),
    )
    _clean_area(area)
    area.save()
    _audit(actor, Action.CREATE, area, after=audit.snapshot(area))
    return area


@transaction.atomic
def update_risk_area(*, actor: Actor, risk_area: RiskArea, **changes: Any) -> RiskArea:
    require_district_editor(actor)
    unknown = set(changes) - set(RISK_AREA_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    area = RiskArea.objects.select_for_update().get(pk=risk_area.pk)
    before = audit.snapshot(area)
    for name, value in changes.items():
        if value is None and name != "valid_to":
            value = ""
        setattr(area, name, value)
    _clean_area(area)
    area.save()
    _audit(actor, Action.UPDATE, area, before=before, after=audit.snapshot(area))
    return area


@transaction.atomic
def end_risk_area(*, actor: Actor, risk_area: RiskArea, valid_to: date) -> RiskArea:
    """The area is no longer listed after this date (the list as it stood before keeps it)."""
    require_district_editor(actor)
    area = RiskArea.objects.select_for_update().get(pk=risk_area.pk)
    if valid_to < area.valid_from:
        raise ValidationError({"valid_to": _("The end date is before the start date.")})
    before = audit.snapshot(area)
    area.valid_to = valid_to
    area.save(update_fields=["valid_to"])
    _audit(actor, Action.CLOSE, area, before=before, after=audit.snapshot(area))
    return area


# --- risk areas from a file --------------------------------------------------------------

IMPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "province": ("省", "省份", "省(自治区、直辖市)", "省/自治区/直辖市", "province"),
    "city": ("市", "城市", "地市", "市(州)", "地级市", "city"),
    "county": ("县(区)", "县区", "县", "区", "区县", "县/区", "county", "district"),
    "township": ("乡镇(街道)", "乡镇", "街道", "乡镇街道", "乡镇/街道", "township", "street"),
    "level": ("风险等级", "等级", "风险级别", "级别", "level", "risk level"),
    "valid_from": ("起始日期", "开始日期", "起始时间", "开始时间", "起始", "生效日期", "from", "valid from"),
    "valid_to": ("截止日期", "结束日期", "截止时间", "结束时间", "截止", "解除日期", "until", "valid to"),
    "note": ("备注", "说明", "note"),
}
# The columns for the import toolkit's reader (header detection with these synonyms).
IMPORT_FIELDS = [Field(key, names[0], names[1:]) for key, names in IMPORT_COLUMNS.items()]
TEMPLATE_HEADERS = ["省", "市", "县(区)", "乡镇(街道)", "风险等级", "起始日期", "截止日期", "备注"]


def detect_columns(headers: list[str]) -> dict[str, int]:
    return detect_mapping(IMPORT_FIELDS, headers)


def _open_file(raw: IO[bytes], name: str) -> reading.Table:
    return reading.open_table(
        raw,
        name,
        IMPORT_FIELDS,
        needs=("province", "level", "valid_from"),
        no_header=lambda: _(
            "No header row was recognised: the file needs the columns 省, 风险等级 and 起始日期 (download the template)."
        ),
    )


def natural_key(row: dict) -> tuple:
    return (row["province"], row["city"], row["county"], row["township"], row["level"], row["valid_from"])


def _check_row(cells: list, mapping: dict[str, int]) -> tuple[dict | None, str]:
    """The row's values, or None and the reason, worded like every import's: "column: reason"."""

    def get(key: str):
        col = mapping.get(key)
        return cells[col] if col is not None and col < len(cells) else ""

    def label(key: str) -> str:
        return IMPORT_COLUMNS[key][0]

    row = {
        k: "".join(values.half_width(values.text(get(k))).split())
        for k in ("province", "city", "county", "township")
    }
    row["note"] = values.text(get("note"))[:200]
    if not row["province"]:
        return None, f"{label('province')}: " + _("The province is missing.")
    for key, limit in (("province", 40), ("city", 40), ("county", 40), ("township", 80)):
        if len(row[key]) > limit:
            return None, _("%(col)s is longer than %(n)d characters.") % {"col": label(key), "n": limit}
    raw_level = values.text(get("level"))
    level = parse_level(raw_level)
    if not level:
        return None, f"{label('level')}: " + _("Unknown risk level “%(v)s”: use 高 or 中.") % {"v": raw_level}
    row["level"] = level
    errors: list[str] = []
    start = values.parse_date(get("valid_from"), errors, label("valid_from"))
    if errors:
        return None, errors[0]
    if start is None:
        return None, f"{label('valid_from')}: " + _("The start date is missing.")
    end = values.parse_date(get("valid_to"), errors, label("valid_to"))
    if errors:
        return None, errors[0]
    if end is not None and end < start:
        return None, f"{label('valid_to')}: " + _("The end date is before the start date.")
    row["valid_from"] = start.isoformat()
    row["valid_to"] = end.isoformat() if end else None
    return row, ""


def preview_risk_area_file(*, actor: Actor, raw: IO[bytes], name: str) -> ImportPreview:
    """Read an uploaded file and check every row; nothing is written. The preview is kept for an
    hour (keyed by the actor and the file's sha256) so that the import can be confirmed."""
    require_district_editor(actor)
    raw.seek(0, io.SEEK_END)
    size = raw.tell()
    raw.seek(0)
    if size == 0:
        raise ValidationError(_("The file is empty."))
    if size > IMPORT_MAX_BYTES:
        raise ValidationError(_("The file is larger than 5 MB."))
    digest = hashlib.sha256()
    while chunk := raw.read(1 << 16):
        digest.update(chunk)
    raw.seek(0)
    table = _open_file(raw, name or "")
    mapping = detect_columns(table.headers)
    preview = ImportPreview(sha256=digest.hexdigest(), name=(name or "")[:255], headers=table.headers)
    seen: dict[tuple, int] = {}
    for number, cells in table.rows():
        preview.total += 1
        row, error = _check_row(cells, mapping)
        if row is not None:
            key = natural_key(row)
            if key in seen:
                row, error = None, _("The same area, level and start date as row %(n)d.") % {"n": seen[key]}
            else:
                seen[key] = number
        if row is None:
            preview.errors.append({"row": number, "error": error, "cells": [values.text(c) for c in cells]})
        else:
            preview.rows.append({"row": number, **row})
    if preview.total == 0:
        raise ValidationError(_("The file has no rows under its header."))
    preview.already_listed = sum(1 for r in preview.rows if _existing(r) is not None)
    cache.set(cache_key(actor, preview.sha256), preview.as_dict(), IMPORT_CACHE_SECONDS)
    return preview


def risk_area_errors_xlsx(preview: ImportPreview) -> bytes:
    """The bad rows of a preview as the file had them, plus 错误原因 (the import toolkit's error
    file): fixed, it can be imported again as it is."""
    headers = preview.headers or TEMPLATE_HEADERS
    book = ErrorBook(list(headers))
    for e in preview.errors:
        cells = list(e.get("cells", []))[: book.error_col]
        book.add(cells + [""] * (book.error_col - len(cells)), [e.get("error", "")])
    return book.content()


def _existing(row: dict) -> RiskArea | None:
    return RiskArea.objects.filter(
        province=row["province"],
        city=row["city"],
        county=row["county"],
        township=row["township"],
        level=row["level"],
        valid_from=row["valid_from"],
    ).first()


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # bad rows left out


@transaction.atomic
def import_risk_areas(*, actor: Actor, preview: ImportPreview, all_or_nothing: bool = False) -> ImportResult:
    """Write the valid rows of a preview. All or nothing: refused when any row is bad. A row
    already listed (same area, level and start date) is not duplicated: its end date and note are
    brought up to the file's."""
    require_district_editor(actor)
    if all_or_nothing and preview.errors:
        raise ValidationError(
            _("%(n)d rows have errors: nothing was imported. Correct them, or import the valid rows only.")
            % {"n": len(preview.errors)}
        )
    if not preview.rows:
        raise ValidationError(_("The file has no valid rows."))
    result = ImportResult(skipped=len(preview.errors))
    user = user_or_none(actor)
    for row in preview.rows:
        valid_to = date.fromisoformat(row["valid_to"]) if row.get("valid_to") else None
        area = _existing(row)
        if area is None:
            area = RiskArea.objects.create(
                province=row["province"],
                city=row["city"],
                county=row["county"],
                township=row["township"],
                level=row["level"],
                valid_from=date.fromisoformat(row["valid_from"]),
                valid_to=valid_to,
                note=row.get("note", ""),
                created_by=user,
            )
            _audit(actor, Action.CREATE, area, after=audit.snapshot(area))
            result.created += 1
        elif area.valid_to != valid_to or (row.get("note") and area.note != row["note"]):
            before = audit.snapshot(area)
            area.valid_to = valid_to
            if row.get("note"):
                area.note = row["note"]
            area.save(update_fields=["valid_to", "note"])
            _audit(actor, Action.UPDATE, area, before=before, after=audit.snapshot(area))
            result.updated += 1
        else:
            result.unchanged += 1
    cache.delete(cache_key(actor, preview.sha256))
    return result


def template_xlsx() -> bytes:
    """The import template: the header row and two example rows."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("风险地区")
    bold = book.add_format({"bold": True})
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, TEMPLATE_HEADERS, bold)
    sheet.write_row(1, 0, ["北京市", "北京市", "朝阳区", "", "高"])
    sheet.write_datetime(1, 5, _dt(date(2022, 5, 1)), dates)
    sheet.write_row(2, 0, ["上海市", "上海市", "浦东新区", "张江镇", "中风险"])
    sheet.write_datetime(2, 5, _dt(date(2022, 5, 1)), dates)
    sheet.write_datetime(2, 6, _dt(date(2022, 5, 14)), dates)
    sheet.set_column(0, 7, 14)
    book.close()
    return out.getvalue()


def _dt(d: date):
    from datetime import datetime

    return datetime(d.year, d.month, d.day)


# --- measure rules ----------------------------------------------------------------------


def parse_test_days(value: object) -> list[int]:
    """ "1,2,3,5,7" (or 1，2 3、5) → [1, 2, 3, 5, 7]; a list passes through. Raises ValidationError."""
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        items = list(value)
    else:
        items = [p for p in re.split(r"[\s,，、;；]+", str(value)) if p]
    days = []
    for item in items:
        try:
            days.append(int(item))
        except (TypeError, ValueError) as exc:
            raise ValidationError(_("Test days are day numbers such as 1,2,3,5,7.")) from exc
    return sorted(set(days))


@dataclass
class PhaseInput:
    kind: str
    days: int
    test_days: list[int] | str = field(default_factory=list)
    checks_per_day: int = 2


def _clean_phases(phases: list[PhaseInput | dict]) -> list[PhaseInput]:
    cleaned = []
    for n, raw in enumerate(phases, start=1):
        phase = raw if isinstance(raw, PhaseInput) else PhaseInput(**raw)
        label = _("Phase %(n)d") % {"n": n}
        if phase.kind not in MeasureKind.values:
            raise ValidationError({"phases": _("%(p)s: choose a measure.") % {"p": label}})
        if not phase.days or phase.days < 1 or phase.days > 90:
            raise ValidationError({"phases": _("%(p)s: the length is 1 to 90 days.") % {"p": label}})
        try:
            days = parse_test_days(phase.test_days)
        except ValidationError as exc:
            raise ValidationError({"phases": f"{label}: {exc.messages[0]}"}) from exc
        outside = [d for d in days if d < 1 or d > phase.days]
        if outside:
            raise ValidationError(
                {
                    "phases": _("%(p)s: test day %(d)s is outside its %(n)d days.")
                    % {"p": label, "d": ", ".join(map(str, outside)), "n": phase.days}
                }
            )
        if phase.checks_per_day is None or not 0 <= phase.checks_per_day <= 6:
            raise ValidationError({"phases": _("%(p)s: 0 to 6 health checks a day.") % {"p": label}})
        cleaned.append(
            PhaseInput(kind=phase.kind, days=phase.days, test_days=days, checks_per_day=phase.checks_per_day)
        )
    if not cleaned:
        raise ValidationError({"phases": _("A rule has at least one phase.")})
    if len(cleaned) > MAX_PHASES:
        raise ValidationError({"phases": _("At most %(n)d phases.") % {"n": MAX_PHASES}})
    return cleaned


def _policy_snapshot(policy: MeasurePolicy) -> dict:
    data = audit.snapshot(policy)
    data["phases"] = [
        {
            "order": p.order,
            "kind": p.kind,
            "days": p.days,
            "test_days": p.test_days,
            "checks_per_day": p.checks_per_day,
        }
        for p in policy.phases.all()
    ]
    return data


@transaction.atomic
def create_policy(
    *,
    actor: Actor,
    name: str,
    trigger: str,
    valid_from: date,
    phases: list[PhaseInput | dict],
    category: Category | None = None,
    risk_level: str = "",
    within_days: int | None = None,
    priority: int = 0,
    valid_to: date | None = None,
    basis_reference: str = "",
    replaces: MeasurePolicy | None = None,
) -> MeasurePolicy:
    """A new rule (or a new version of one). When it replaces a rule — the one chosen, else any
    rule of the same name still in force on or after `valid_from` — that one ends the day before."""
    require_district_editor(actor)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("A name is required.")})
    if trigger == TriggerKind.CATEGORY:
        if category is None:
            raise ValidationError({"category": _("Choose the category this rule applies to.")})
        risk_level, within_days = "", None
    elif trigger == TriggerKind.TRAVEL:
        if risk_level not in RiskLevel.values:
            raise ValidationError({"risk_level": _("Choose the risk level.")})
        if within_days is None or not 0 <= within_days <= 60:
            raise ValidationError({"within_days": _("Give the days since being in the area (0 to 60).")})
        category = None
    else:
        raise ValidationError({"trigger": _("Choose what the rule applies to.")})
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError({"valid_to": _("The end date is before the start date.")})
    cleaned = _clean_phases(phases)

    older_qs = MeasurePolicy.objects.select_for_update()
    older_qs = older_qs.filter(pk=replaces.pk) if replaces is not None else older_qs.filter(name=name)
    older_qs = older_qs.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
    for older in older_qs:
        if older.valid_from >= valid_from:
            raise ValidationError(
                {
                    "valid_from": _(
                        "The rule “%(name)s” it replaces starts on %(date)s: the new version must start later."
                    )
                    % {"name": older.name, "date": older.valid_from.isoformat()}
                }
            )
        before = _policy_snapshot(older)
        older.valid_to = valid_from - timedelta(days=1)
        older.save(update_fields=["valid_to"])
        _audit(actor, Action.UPDATE, older, before=before, after=_policy_snapshot(older))

    policy = MeasurePolicy.objects.create(
        name=name[:100],
        trigger=trigger,
        category=category,
        risk_level=risk_level or "",
        within_days=within_days,
        priority=priority or 0,
        valid_from=valid_from,
        valid_to=valid_to,
        basis_reference=(basis_reference or "").strip()[:200],
        created_by=user_or_none(actor),
    )
    for order, phase in enumerate(cleaned, start=1):
        PolicyPhase.objects.create(
            policy=policy,
            order=order,
            kind=phase.kind,
            days=phase.days,
            test_days=phase.test_days,
            checks_per_day=phase.checks_per_day,
        )
    _audit(actor, Action.CREATE, policy, after=_policy_snapshot(policy))
    return policy


@transaction.atomic
def end_policy(*, actor: Actor, policy: MeasurePolicy, valid_to: date) -> MeasurePolicy:
    """The rule is no longer in force after this date (measures already decided keep their phases)."""
    require_district_editor(actor)
    policy = MeasurePolicy.objects.select_for_update().get(pk=policy.pk)
    if valid_to < policy.valid_from:
        raise ValidationError({"valid_to": _("The end date is before the start date.")})
    before = _policy_snapshot(policy)
    policy.valid_to = valid_to
    policy.save(update_fields=["valid_to"])
    _audit(actor, Action.CLOSE, policy, before=before, after=_policy_snapshot(policy))
    return policy


# --- by occupation or employer (scoped) ---------------------------------------------------


def screen_into_category(*, actor: Actor, category: Category, person_ids: list[int]) -> int:
    """Screen the chosen candidates (of the actor's scope) into the category; returns how many."""
    from wangge.screening.intake.services import Report, screen_one

    if not has_permission(actor, perms.SCREENING_SCREEN):
        raise PermissionDenied(_("Your role does not allow this."))
    if category.entry != EntryWay.OCCUPATION or not category.is_active:
        raise ValidationError(_("People enter this category another way."))
    people = list(occupation_candidates(scope_of(actor), category).filter(pk__in=person_ids))
    if not people:
        raise ValidationError(_("Choose at least one person of the list."))
    with transaction.atomic():
        for person in people:
            screen_one(
                actor=actor,
                source=ScreeningSource.MANUAL,
                report=Report(
                    name=person.name,
                    id_number=person.id_number,
                    id_type=person.id_type,
                    phone=person.phone,
                    category=category,
                    note=_("Employer: %(e)s") % {"e": person.employer},
                ),
                grid=None,
            )
    return len(people)
