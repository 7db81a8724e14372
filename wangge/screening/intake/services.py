"""Screening records coming in (摸排): door-to-door rounds, checkpoints, lists sent down from above,
and the public self-report form. Each is matched to one registry person by the ID number, or
creates a provisional person in the grid; reports of the same person and trip merge into one
record (its sightings). A new record is put to the rules, which propose a measure.

`screen_one` is the single-record path; the list import (imports.py) is its set-based twin and
must keep the same keys and outcomes.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import (
    PUBLIC_ACTOR,
    Actor,
    has_permission,
    require,
    require_path,
    scope_of,
    user_or_none,
)
from wangge.org.models import Level, OrgUnit
from wangge.registry import services as registry
from wangge.registry.identity import check_document, normalise_phone
from wangge.registry.models import Person
from wangge.screening import permissions as perms
from wangge.screening import rulebook as rules
from wangge.screening.measures.services import propose_for_screening
from wangge.screening.models import (
    Category,
    ScreeningRecord,
    ScreeningSighting,
    ScreeningSource,
    SelfReport,
)

RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L


def _squash(text: str) -> str:
    """The text without any whitespace (for keys and matching)."""
    return "".join((text or "").split())


def dedupe_key(
    *,
    person_id: int,
    arrival_date: date | None,
    from_province: str,
    came_from: str,
    category_id: int | None,
    contact_of: str,
) -> str:
    """One record per person and trip (arrival date, else where from), or per person and contact,
    or per person and category. Lists spell places differently, so the date is the trip."""
    if arrival_date or from_province or came_from:
        trip = arrival_date.isoformat() if arrival_date else _squash(from_province or came_from)[:20]
        return f"t:{person_id}:{trip}"
    if contact_of:
        return f"k:{person_id}:{_squash(contact_of)[:40]}"
    if category_id:
        return f"c:{person_id}:{category_id}"
    return f"m:{person_id}:{timezone.localdate().isoformat()}"


@dataclass
class Report:
    """One report of a person, as any source gives it."""

    name: str
    id_number: str
    id_type: str = "resident_id"
    phone: str = ""
    came_from: str = ""
    from_province: str = ""
    from_city: str = ""
    from_county: str = ""
    from_township: str = ""
    arrival_date: date | None = None
    left_area_on: date | None = None
    address: str = ""
    category: Category | None = None
    contact_of: str = ""
    note: str = ""

    def as_dict(self) -> dict:
        data = {
            k: (v.isoformat() if isinstance(v, date) else v)
            for k, v in self.__dict__.items()
            if k not in ("category", "id_number", "phone") and v not in (None, "")
        }
        if self.category is not None:
            data["category"] = self.category.name
        return data


@dataclass
class Outcome:
    record: ScreeningRecord
    created: bool
    person_created: bool
    measure: Any = None


def split_place(report: Report) -> Report:
    """Fill province/city/county from a free-text "came from" when they were not given apart."""
    if report.from_province or not report.came_from:
        return report
    text = _squash(report.came_from)
    parts = {"province": "", "city": "", "county": ""}
    for key, ends in (
        ("province", ("省", "自治区", "市")),
        ("city", ("市", "州", "盟")),
        ("county", ("区", "县", "旗")),
    ):
        for end in ends:
            i = text.find(end)
            if i > 0:
                parts[key], text = text[: i + len(end)], text[i + len(end) :]
                break
    if parts["province"].endswith("市") and not parts["city"]:  # 北京市朝阳区: a municipality
        parts["city"] = parts["province"]
    report.from_province, report.from_city, report.from_county = (
        parts["province"],
        parts["city"],
        parts["county"],
    )
    report.from_township = report.from_township or text[:80]
    return report


def find_or_provision(*, actor: Actor, report: Report, grid: OrgUnit | None) -> tuple[Person | None, bool]:
    """The registry person for the report's document, or a provisional one in the grid.
    (None, False) when the person is registered outside the actor's jurisdiction."""
    existing = registry.on_field("id_number", registry.find_by_document, report.id_type, report.id_number)
    if existing is not None:
        if not scope_of(actor).covers_path(existing.path):
            return None, False
        return existing, False
    if grid is None:
        raise ValidationError(
            {"grid": _("This person is not in the registry: choose the grid they live in.")}
        )
    if grid.level != Level.GRID or grid.closed_at is not None:
        raise ValidationError({"grid": _("Choose an open level-3 grid.")})
    require_path(actor, grid.path)
    person = registry.register_provisional(
        actor=actor,
        grid=grid,
        name=report.name,
        id_type=report.id_type,
        id_number=report.id_number,
        phone=report.phone,
        note_origin=report.came_from or report.from_province,
        arrival_date=report.arrival_date,
        reason="screening",
        allowed_by=(perms.SCREENING_SCREEN,),
    )
    return person, True


def _validate(report: Report) -> None:
    if not (report.name or "").strip():
        raise ValidationError({"name": _("A name is required.")})
    if not (report.id_number or "").strip():
        raise ValidationError({"id_number": _("An ID number is required.")})
    registry.on_field("id_number", check_document, report.id_type, report.id_number)
    if report.arrival_date and report.arrival_date > timezone.localdate():
        raise ValidationError({"arrival_date": _("The arrival date is in the future.")})
    if report.left_area_on and report.arrival_date and report.left_area_on > report.arrival_date:
        raise ValidationError({"left_area_on": _("They left the area after they arrived here?")})


@transaction.atomic
def screen_one(
    *,
    actor: Actor,
    source: str,
    report: Report,
    grid: OrgUnit | None = None,
    propose: bool = True,
    batch=None,
    row_no: int | None = None,
) -> Outcome:
    """Record one screened person. A second report of the same person and trip merges into the
    first record (a sighting) and fills what it lacked; a new record is put to the rules."""
    require(actor, perms.SCREENING_SCREEN)
    if source not in ScreeningSource.values:
        raise ValidationError({"source": _("Unknown source.")})
    _validate(report)
    report = split_place(report)
    person, person_created = find_or_provision(actor=actor, report=report, grid=grid)
    if person is None:
        raise ValidationError(
            {"id_number": _("This person is registered in another jurisdiction: pass the report to them.")}
        )
    key = dedupe_key(
        person_id=person.pk,
        arrival_date=report.arrival_date,
        from_province=report.from_province,
        came_from=report.came_from,
        category_id=report.category.pk if report.category else None,
        contact_of=report.contact_of,
    )
    record = ScreeningRecord.objects.select_for_update().filter(dedupe_key=key).first()
    created = record is None
    if created:
        exposure = report.left_area_on or report.arrival_date or timezone.localdate()
        area = rules.match_risk_area(
            province=report.from_province,
            city=report.from_city,
            county=report.from_county,
            township=report.from_township,
            on=exposure,
        )
        record = ScreeningRecord(
            person=person,
            grid_id=person.grid_id,
            path=person.path,
            source=source,
            category=report.category,
            came_from=report.came_from[:200],
            from_province=report.from_province[:40],
            from_city=report.from_city[:40],
            from_county=report.from_county[:40],
            from_township=report.from_township[:80],
            arrival_date=report.arrival_date,
            left_area_on=report.left_area_on,
            address=report.address[:250],
            contact_of=report.contact_of[:200],
            risk_area=area,
            risk_level=area.level if area else "",
            dedupe_key=key,
            batch=batch,
            note=report.note,
            screened_by=user_or_none(actor),
        )
        try:
            with transaction.atomic():
                record.save()
        except IntegrityError:  # the same trip reported at the same moment elsewhere
            record = ScreeningRecord.objects.select_for_update().get(dedupe_key=key)
            created = False
    if not created:
        _fill_blanks(record, report)
    ScreeningSighting.objects.create(
        record=record,
        source=source,
        batch=batch,
        row_no=row_no,
        reported=report.as_dict(),
        by=user_or_none(actor),
    )
    audit.record(
        actor=actor,
        action=Action.CREATE if created else Action.UPDATE,
        obj=record,
        after={"source": source, "merged": not created, **report.as_dict()},
    )
    measure = propose_for_screening(actor=actor, record=record) if (created and propose) else None
    return Outcome(record=record, created=created, person_created=person_created, measure=measure)


def _fill_blanks(record: ScreeningRecord, report: Report) -> None:
    changed = []
    for field in ("came_from", "address", "contact_of", "left_area_on", "arrival_date"):
        value = getattr(report, field)
        if value and not getattr(record, field):
            setattr(record, field, value)
            changed.append(field)
    if report.category is not None and record.category_id is None:
        record.category = report.category
        changed.append("category")
    if changed:
        record.save(update_fields=changed)


# --- the public self-report form ---------------------------------------------------------------


def _receipt() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(8))


@transaction.atomic
def submit_self_report(
    *,
    request_key,
    name: str,
    id_number: str,
    phone: str,
    came_from: str,
    arrival_date: date,
    village: OrgUnit,
    address: str,
    id_type: str = "resident_id",
) -> SelfReport:
    """A returnee reports themselves (no account). The same submission sent twice gives the same
    receipt. Someone already in the registry becomes a screening record at once; a newcomer waits
    for the village to place them in a grid (`place_self_report`)."""
    existing = SelfReport.objects.filter(request_key=request_key).first()
    if existing is not None:
        return existing
    report = Report(
        name=(name or "").strip(),
        id_type=id_type,
        id_number=id_number,
        phone=phone,
        came_from=(came_from or "").strip(),
        arrival_date=arrival_date,
        address=(address or "").strip(),
    )
    _validate(report)
    if not report.came_from:
        raise ValidationError({"came_from": _("Say where you came from.")})
    phone = registry.on_field("phone", normalise_phone, phone)
    if not phone:
        raise ValidationError(
            {"phone": _("A phone number is required, so that the community can reach you.")}
        )
    if village.level != Level.VILLAGE or village.closed_at is not None:
        raise ValidationError({"village": _("Choose your village or community.")})
    checked = check_document(id_type, id_number)
    self_report = SelfReport(
        request_key=request_key,
        name=report.name[:60],
        id_type=checked.id_type,
        id_number=checked.number,
        phone=phone,
        came_from=report.came_from[:200],
        arrival_date=arrival_date,
        village=village,
        address=report.address[:250],
        path=village.path,
    )
    for _attempt in range(5):
        self_report.receipt = _receipt()
        try:
            with transaction.atomic():
                self_report.save()
            break
        except IntegrityError:
            if SelfReport.objects.filter(request_key=request_key).exists():
                return SelfReport.objects.get(request_key=request_key)
    audit.record(
        actor=PUBLIC_ACTOR, action=Action.CREATE, obj=self_report, after={"receipt": self_report.receipt}
    )
    person = registry.find_by_document(checked.id_type, checked.number)
    if person is not None and person.is_active and person.path.startswith(village.path):
        outcome = screen_one(actor=PUBLIC_ACTOR, source=ScreeningSource.SELF_REPORT, report=report)
        self_report.record = outcome.record
        self_report.save(update_fields=["record"])
    return self_report


@transaction.atomic
def place_self_report(*, actor: Actor, self_report: SelfReport, grid: OrgUnit) -> Outcome:
    """The village places a newcomer's self-report in a grid: it becomes a screening record."""
    if not has_permission(actor, perms.SCREENING_SCREEN):
        raise PermissionDenied(_("Your role does not allow this."))
    self_report = SelfReport.objects.select_for_update().get(pk=self_report.pk)
    require_path(actor, self_report.path)
    if self_report.record_id:
        raise ValidationError(_("This self-report is already a screening record."))
    if not grid.path.startswith(self_report.village.path):
        raise ValidationError({"grid": _("Choose a grid of %(v)s.") % {"v": self_report.village.name}})
    report = Report(
        name=self_report.name,
        id_type=self_report.id_type,
        id_number=self_report.id_number,
        phone=self_report.phone,
        came_from=self_report.came_from,
        arrival_date=self_report.arrival_date,
        address=self_report.address,
    )
    outcome = screen_one(actor=actor, source=ScreeningSource.SELF_REPORT, report=report, grid=grid)
    self_report.record = outcome.record
    self_report.save(update_fields=["record"])
    return outcome
