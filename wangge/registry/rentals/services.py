"""Rentals and shops, their tenants, the landlord's pledge and the code placards; the rules of
reporting and occupation kept as data (RentalPolicy) and evaluated in the database.

Rules:
- "whoever lets is responsible": a new tenant is reported within N working days of moving in
  (N from the policy in force on the move-in date, 1 by default); a tenant from a risk area is
  reported the same day. Working days skip Saturdays and Sundays only (public holidays and
  make-up working days are not modelled).
- a rental is over-occupied when its current tenants outnumber its capacity, or
  rooms × max_people_per_room when the policy sets that.

Services are keyword-only, one transaction each, with their audit row inside it.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractIsoWeekDay
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import Actor, Scope
from wangge.core.dated import still_open_on, valid_on
from wangge.org.models import OrgUnit
from wangge.registry import services as registry
from wangge.registry.identity import normalise_phone
from wangge.registry.models import (
    Building,
    Household,
    Person,
    Relation,
    Rental,
    RentalKind,
    RentalPolicy,
    RentalStatus,
    ResidentStatus,
    Room,
    Tenancy,
    Visit,
)

DEFAULT_REPORT_WITHIN_WORKING_DAYS = 1
PLEDGE_MAX_BYTES = 10 * 1024 * 1024
# extension → (content type, accepted leading bytes)
PLEDGE_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
}

RENTAL_FIELDS = (
    "kind",
    "name",
    "address",
    "manager_name",
    "manager_phone",
    "status",
    "rooms",
    "capacity",
    "note",
)


# --- rules as data ------------------------------------------------------------------


def current_policy(on: date | None = None) -> RentalPolicy:
    """The policy in force on a date: the latest-starting stored one valid then, else an unsaved
    default (report within 1 working day, occupation limited by each rental's capacity)."""
    on = on or timezone.localdate()
    policy = valid_on(RentalPolicy.objects.all(), on).order_by("-valid_from", "-id").first()
    return policy or default_policy()


def default_policy() -> RentalPolicy:
    return RentalPolicy(
        name=_("Default rule"),
        report_within_working_days=DEFAULT_REPORT_WITHIN_WORKING_DAYS,
        max_people_per_room=0,
        valid_from=date(2000, 1, 1),
    )


def days_allowed(move_in_weekday: int, working_days: int) -> int:
    """Calendar days from a move-in on `move_in_weekday` (Monday 0) to the end of the reporting
    period of `working_days` working days (Saturdays and Sundays do not count)."""
    days, left = 0, working_days
    while left > 0:
        days += 1
        if (move_in_weekday + days) % 7 < 5:
            left -= 1
    return days


def report_deadline(
    move_in: date, *, from_risk_area: bool = False, policy: RentalPolicy | None = None
) -> date:
    if from_risk_area:
        return move_in
    policy = policy or current_policy(move_in)
    return move_in + timedelta(days=days_allowed(move_in.weekday(), policy.report_within_working_days))


def is_late(tenancy: Tenancy, policy: RentalPolicy | None = None) -> bool:
    deadline = report_deadline(tenancy.move_in, from_risk_area=tenancy.from_risk_area, policy=policy)
    return tenancy.reported_on > deadline


def occupancy_limit(rental: Rental, policy: RentalPolicy | None = None) -> int:
    policy = policy or current_policy()
    if policy.max_people_per_room:
        return rental.rooms * policy.max_people_per_room
    return rental.capacity


class DaysBetween(Func):
    """Whole days from the first date to the second (second − first)."""

    output_field = IntegerField()
    arg_joiner = " - "
    template = "(%(expressions)s)"

    def __init__(self, start, end, **extra):
        super().__init__(end, start, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(ROUND(julianday(%(expressions)s)) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


def _policies_by_date() -> list[RentalPolicy]:
    return list(RentalPolicy.objects.order_by("-valid_from", "-id"))


def _allowed_days_expression(policies: list[RentalPolicy]) -> Case:
    """Days allowed to report each tenancy, by its move-in weekday and the policy of that date."""
    whens = [When(from_risk_area=True, then=Value(0))]
    for policy in policies:
        valid = Q(move_in__gte=policy.valid_from)
        if policy.valid_to is not None:
            valid &= Q(move_in__lte=policy.valid_to)
        for iso in range(1, 8):
            whens.append(
                When(
                    valid & Q(_move_in_weekday=iso),
                    then=Value(days_allowed(iso - 1, policy.report_within_working_days)),
                )
            )
    default = DEFAULT_REPORT_WITHIN_WORKING_DAYS
    for iso in range(1, 8):
        whens.append(When(_move_in_weekday=iso, then=Value(days_allowed(iso - 1, default))))
    return Case(*whens, default=Value(0), output_field=IntegerField())


def with_late_flag(qs: QuerySet[Tenancy], policies: list[RentalPolicy] | None = None) -> QuerySet[Tenancy]:
    """Annotate `reported_late` on tenancies, evaluated in the database."""
    policies = _policies_by_date() if policies is None else policies
    return qs.annotate(
        _move_in_weekday=ExtractIsoWeekDay("move_in"),
        _report_delay=DaysBetween("move_in", "reported_on"),
        _allowed=_allowed_days_expression(policies),
    ).annotate(
        reported_late=Case(
            When(_report_delay__gt=F("_allowed"), then=Value(True)),
            default=Value(False),
        )
    )


def current_tenancies_q(on: date | None = None, prefix: str = "") -> Q:
    on = on or timezone.localdate()
    return Q(**{f"{prefix}move_in__lte": on}) & (
        Q(**{f"{prefix}move_out__isnull": True}) | Q(**{f"{prefix}move_out__gt": on})
    )


class Flags:
    LATE = "late"
    OVER = "over"
    NO_PLEDGE = "no_pledge"
    NO_PLACARDS = "no_placards"
    UNVISITED = "unvisited"


def with_flags(qs: QuerySet[Rental], *, on: date | None = None) -> QuerySet[Rental]:
    """Annotate rentals with `current_tenants`, `occupancy_limit`, `over_occupied`, `late_report`
    (a current tenant reported late) and `last_visit`; one query, no per-row work."""
    on = on or timezone.localdate()
    policy = current_policy(on)
    current = Tenancy.objects.filter(current_tenancies_q(on), rental=OuterRef("pk"))
    count = current.order_by().values("rental").annotate(n=Count("pk")).values("n")
    late = with_late_flag(current).filter(reported_late=True)
    limit = (
        ExpressionWrapper(F("rooms") * Value(policy.max_people_per_room), output_field=IntegerField())
        if policy.max_people_per_room
        else F("capacity")
    )
    last_visit = (
        Visit.objects.filter(rental=OuterRef("pk")).order_by().values("rental").annotate(m=Max("visited_at"))
    )
    return qs.annotate(
        current_tenants=Coalesce(Subquery(count, output_field=IntegerField()), Value(0)),
        occupancy_limit=limit,
        late_report=Exists(late),
        last_visit=Subquery(last_visit.values("m")[:1]),
    ).annotate(
        over_occupied=Case(
            When(current_tenants__gt=F("occupancy_limit"), then=Value(True)), default=Value(False)
        )
    )


def filter_flag(qs: QuerySet[Rental], flag: str, *, unvisited_days: int = 30) -> QuerySet[Rental]:
    """Keep the rentals (annotated by `with_flags`) that carry a flag."""
    if flag == Flags.LATE:
        return qs.filter(late_report=True)
    if flag == Flags.OVER:
        return qs.filter(over_occupied=True)
    if flag == Flags.NO_PLEDGE:
        return qs.filter(pledge_signed_on__isnull=True)
    if flag == Flags.NO_PLACARDS:
        return qs.filter(placards_posted_on__isnull=True, placards_posted=False)
    if flag == Flags.UNVISITED:
        since = timezone.now() - timedelta(days=unvisited_days)
        return qs.filter(Q(last_visit__isnull=True) | Q(last_visit__lt=since))
    return qs


# --- reads ------------------------------------------------------------------------------


def rentals(scope: Scope) -> QuerySet[Rental]:
    return scope.filter(Rental.objects.select_related("building__grid", "room", "landlord"))


def get_rental(scope: Scope, rental_id) -> Rental:
    return scope.get(Rental.objects.select_related("building__grid", "room", "landlord"), pk=rental_id)


def tenancies(scope: Scope) -> QuerySet[Tenancy]:
    return scope.filter(Tenancy.objects.select_related("rental", "person"))


def get_tenancy(scope: Scope, tenancy_id) -> Tenancy:
    return scope.get(Tenancy.objects.select_related("rental", "person"), pk=tenancy_id)


def tenancies_of(rental: Rental) -> QuerySet[Tenancy]:
    """A rental's tenants, current first, with `reported_late` (the rental is already in scope)."""
    qs = Tenancy.objects.filter(rental=rental).select_related("person")
    return with_late_flag(qs).order_by(F("move_out").desc(nulls_first=True), "-move_in", "-id")


def late_tenancies(qs: QuerySet[Tenancy]) -> QuerySet[Tenancy]:
    """The tenancies of `qs` reported late. A cheap test first: no policy allows fewer days than
    the shortest period of any (0 from a risk area), so only the tenancies reported later than
    that need the full rule (a tenth of them in the demo)."""
    policies = _policies_by_date()
    shortest = min(
        days_allowed(weekday, days)
        for days in [DEFAULT_REPORT_WITHIN_WORKING_DAYS, *(p.report_within_working_days for p in policies)]
        for weekday in range(7)
    )
    return (
        with_late_flag(qs, policies)
        .filter(Q(_report_delay__gt=shortest) | Q(from_risk_area=True, _report_delay__gt=0))
        .filter(reported_late=True)
    )


def late_rental_count(scope: Scope, on: date | None = None) -> int:
    """Rentals with a current tenant reported late, counted from the tenancies (one pass over
    them, no test per rental)."""
    current = scope.filter(Tenancy.objects.filter(current_tenancies_q(on))).order_by()
    return late_tenancies(current).values("rental").distinct().count()


def flag_counts_by_grid(scope: Scope, *, unvisited_days: int = 30, on: date | None = None) -> list[dict]:
    """Per grid: rentals, and how many carry each flag. Counted from each flag's own side (a few
    grouped queries over rentals, current tenancies and recent visits) rather than by working out
    every flag of every rental of a district, which took seconds."""
    on = on or timezone.localdate()
    since = timezone.now() - timedelta(days=unvisited_days)
    base = rentals(scope).order_by()
    rows: dict[str, dict] = {}
    for row in base.values("path").annotate(
        total=Count("pk"),
        no_pledge=Count("pk", filter=Q(pledge_signed_on__isnull=True)),
        no_placards=Count("pk", filter=Q(placards_posted_on__isnull=True, placards_posted=False)),
    ):
        rows[row["path"]] = {**row, "late": 0, "over": 0, "unvisited": row["total"]}
    if not rows:
        return []
    # Tenancies and visits copy their rental's path: grouped by their own, no join.
    current = scope.filter(Tenancy.objects.filter(current_tenancies_q(on))).order_by()
    for path, n in (
        late_tenancies(current)
        .values("path")
        .annotate(n=Count("rental", distinct=True))
        .values_list("path", "n")
    ):
        if path in rows:
            rows[path]["late"] = n
    # Over-occupied: current tenants above the limit (rooms × the policy's people per room, or the
    # capacity). Tenants per rental from the tenancies alone, compared here: a GROUP BY joined to
    # the rentals cost twice as much.
    tenants = dict(current.values("rental").annotate(n=Count("pk")).values_list("rental", "n"))
    per_room = current_policy(on).max_people_per_room
    for pk, path, rooms, capacity in base.values_list("pk", "path", "rooms", "capacity"):
        n = tenants.get(pk, 0)
        if n and n > (rooms * per_room if per_room else capacity):
            rows[path]["over"] += 1
    visited = scope.filter(Visit.objects.filter(rental__isnull=False, visited_at__gte=since))
    for path, n in (
        visited.order_by().values("path").annotate(n=Count("rental", distinct=True)).values_list("path", "n")
    ):
        if path in rows:
            rows[path]["unvisited"] -= n
    units = {u.path: u for u in OrgUnit.objects.filter(path__in=list(rows)).only("pk", "name", "path")}
    out = []
    for path in sorted(rows):
        unit = units.get(path)
        out.append(
            {
                "building__grid_id": unit.pk if unit else None,
                "building__grid__name": unit.name if unit else path,
                **rows[path],
            }
        )
    return out


# --- services ----------------------------------------------------------------------------


def _check_numbers(rooms: Any, capacity: Any) -> None:
    errors = {}
    if not isinstance(rooms, int) or rooms < 1:
        errors["rooms"] = _("A rental has at least one room.")
    if not isinstance(capacity, int) or capacity < 0:
        errors["capacity"] = _("The capacity is a number of people, 0 or more.")
    if errors:
        raise ValidationError(errors)


def _check_choices(kind: str, status: str) -> None:
    if kind not in RentalKind.values:
        raise ValidationError({"kind": _("Unknown kind of rental.")})
    if status not in RentalStatus.values:
        raise ValidationError({"status": _("Unknown status.")})


@transaction.atomic
def create_rental(
    *,
    actor: Actor,
    building: Building,
    landlord: Person,
    kind: str = RentalKind.DWELLING,
    room: Room | None = None,
    name: str = "",
    address: str = "",
    manager_name: str = "",
    manager_phone: str = "",
    status: str = RentalStatus.LET,
    rooms: int = 1,
    capacity: int = 1,
    note: str = "",
) -> Rental:
    registry.require_edit(actor)
    registry.in_scope(actor, building.path)
    registry.in_scope(actor, landlord.path)
    if room is not None and room.building_id != building.pk:
        raise ValidationError({"room": _("This room is not in the chosen building.")})
    if not landlord.is_active:
        raise ValidationError({"landlord": _("The landlord has departed: choose someone registered.")})
    _check_choices(kind, status)
    _check_numbers(rooms, capacity)
    address = (address or "").strip() or (
        registry.address_of(room) if room else building.address or building.name
    )
    rental = Rental.objects.create(
        building=building,
        room=room,
        kind=kind,
        name=(name or "").strip(),
        address=address,
        landlord=landlord,
        manager_name=(manager_name or "").strip(),
        manager_phone=normalise_phone(manager_phone),
        status=status,
        rooms=rooms,
        capacity=capacity,
        note=note or "",
        path=building.path,
    )
    audit.record(actor=actor, action=Action.CREATE, obj=rental, after=audit.snapshot(rental))
    return rental


@transaction.atomic
def update_rental(
    *,
    actor: Actor,
    rental: Rental,
    landlord: Person | None = None,
    room: Room | None | str = "keep",
    **changes: Any,
) -> Rental:
    """Change a rental's details. `room` is left alone unless given (None clears it)."""
    registry.require_edit(actor)
    rental = Rental.objects.select_for_update().get(pk=rental.pk)
    registry.in_scope(actor, rental.path)
    unknown = set(changes) - set(RENTAL_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    before = audit.snapshot(rental)
    for field, value in changes.items():
        setattr(rental, field, value.strip() if isinstance(value, str) and field != "note" else value)
    if "manager_phone" in changes:
        rental.manager_phone = normalise_phone(rental.manager_phone)
    if landlord is not None:
        registry.in_scope(actor, landlord.path)
        if not landlord.is_active and landlord.pk != rental.landlord_id:
            raise ValidationError({"landlord": _("The landlord has departed: choose someone registered.")})
        rental.landlord = landlord
    if room != "keep":
        if room is not None and room.building_id != rental.building_id:
            raise ValidationError({"room": _("This room is not in the chosen building.")})
        rental.room = room
    _check_choices(rental.kind, rental.status)
    _check_numbers(rental.rooms, rental.capacity)
    after = audit.snapshot(rental)
    if after == before:
        return rental
    rental.save()
    audit.record(actor=actor, action=Action.UPDATE, obj=rental, before=before, after=after)
    return rental


def check_pledge_file(upload) -> tuple[str, str]:
    """The file's extension and content type, or a ValidationError: PDF, JPEG or PNG up to 10 MB,
    recognised by its name and by its first bytes."""
    ext = PurePath(upload.name or "").suffix.lower()
    if ext not in PLEDGE_TYPES:
        raise ValidationError({"file": _("Upload the scan as a PDF, JPEG or PNG file.")})
    if upload.size is not None and upload.size > PLEDGE_MAX_BYTES:
        raise ValidationError(
            {
                "file": _("The file is too large: at most %(mb)d MB.")
                % {"mb": PLEDGE_MAX_BYTES // (1024 * 1024)}
            }
        )
    if not upload.size:
        raise ValidationError({"file": _("The file is empty.")})
    content_type, magics = PLEDGE_TYPES[ext]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(m) for m in magics):
        raise ValidationError({"file": _("The file's content is not the PDF, JPEG or PNG its name says.")})
    return ext, content_type


def pledge_content_type(rental: Rental) -> str:
    ext = PurePath(rental.pledge_file.name or "").suffix.lower()
    return PLEDGE_TYPES.get(ext, ("application/octet-stream", ()))[0]


@transaction.atomic
def record_pledge(*, actor: Actor, rental: Rental, signed_on: date, file=None) -> Rental:
    """The landlord's signed pledge: its date and, optionally, a scan (kept; a new scan replaces
    the link, the old file stays on disk for the record)."""
    registry.require_edit(actor)
    rental = Rental.objects.select_for_update().get(pk=rental.pk)
    registry.in_scope(actor, rental.path)
    if signed_on is None:
        raise ValidationError({"signed_on": _("Enter the date the pledge was signed.")})
    if signed_on > timezone.localdate():
        raise ValidationError({"signed_on": _("The date cannot be in the future.")})
    before = audit.snapshot(rental)
    rental.pledge_signed_on = signed_on
    if file is not None:
        ext, _content_type = check_pledge_file(file)
        # A neutral name: the uploaded name may carry the landlord's name or ID number.
        rental.pledge_file.save(f"pledge-{rental.pk}-{uuid.uuid4().hex}{ext}", file, save=False)
    rental.save(update_fields=["pledge_signed_on", "pledge_file"])
    audit.record(actor=actor, action=Action.UPDATE, obj=rental, before=before, after=audit.snapshot(rental))
    return rental


@transaction.atomic
def record_placards(*, actor: Actor, rental: Rental, posted_on: date, posted_by: str) -> Rental:
    registry.require_edit(actor)
    rental = Rental.objects.select_for_update().get(pk=rental.pk)
    registry.in_scope(actor, rental.path)
    posted_by = (posted_by or "").strip()
    errors = {}
    if posted_on is None:
        errors["posted_on"] = _("Enter the date the placards were posted.")
    elif posted_on > timezone.localdate():
        errors["posted_on"] = _("The date cannot be in the future.")
    if not posted_by:
        errors["posted_by"] = _("Say who posted them.")
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(rental)
    rental.placards_posted_on = posted_on
    rental.placards_posted_by = posted_by[:60]
    rental.placards_posted = True
    rental.save(update_fields=["placards_posted_on", "placards_posted_by", "placards_posted"])
    audit.record(actor=actor, action=Action.UPDATE, obj=rental, before=before, after=audit.snapshot(rental))
    return rental


@transaction.atomic
def add_tenant(
    *,
    actor: Actor,
    rental: Rental,
    person: Person,
    move_in: date,
    reported_on: date | None = None,
    from_risk_area: bool = False,
) -> Tenancy:
    """A tenant moves in. Reported today unless said otherwise; lateness is judged by the rules."""
    registry.require_edit(actor)
    rental = Rental.objects.select_for_update().get(pk=rental.pk)
    registry.in_scope(actor, rental.path)
    registry.in_scope(actor, person.path)
    today = timezone.localdate()
    reported_on = reported_on or today
    errors = {}
    if not person.is_active:
        errors["person"] = _("%(name)s has departed: register their return first.") % {"name": person.name}
    if move_in is None:
        errors["move_in"] = _("Enter the move-in date.")
    elif move_in > today:
        errors["move_in"] = _("The move-in date cannot be in the future.")
    if reported_on > today:
        errors["reported_on"] = _("The report date cannot be in the future.")
    elif move_in is not None and reported_on < move_in:
        errors["reported_on"] = _("A tenant cannot be reported before moving in.")
    if errors:
        raise ValidationError(errors)
    if Tenancy.objects.filter(current_tenancies_q(today), rental=rental, person=person).exists():
        raise ValidationError({"person": _("%(name)s already lives here.") % {"name": person.name}})
    tenancy = Tenancy.objects.create(
        rental=rental,
        person=person,
        move_in=move_in,
        reported_on=reported_on,
        from_risk_area=bool(from_risk_area),
        path=rental.path,
    )
    if rental.status != RentalStatus.LET:
        before = audit.snapshot(rental)
        rental.status = RentalStatus.LET
        rental.save(update_fields=["status"])
        audit.record(
            actor=actor, action=Action.UPDATE, obj=rental, before=before, after=audit.snapshot(rental)
        )
    audit.record(actor=actor, action=Action.CREATE, obj=tenancy, after=audit.snapshot(tenancy))
    return tenancy


@transaction.atomic
def register_tenant(
    *,
    actor: Actor,
    rental: Rental,
    household: Household | None,
    name: str,
    id_type: str,
    id_number: str,
    move_in: date,
    phone: str = "",
    origin: str = "",
    employer: str = "",
    reported_on: date | None = None,
    from_risk_area: bool = False,
) -> Tenancy:
    """A tenant who is not yet in the registry (or has departed): registered at a household of
    the rental's building (by default the rental room's own household, created if needed) and
    moved in, in one transaction."""
    registry.require_edit(actor)
    registry.in_scope(actor, rental.path)
    if household is None:
        if rental.room is None:
            raise ValidationError(
                {"household": _("This rental has no room: choose a household of the building.")}
            )
        household = Household.objects.filter(room=rental.room, closed_at__isnull=True).order_by(
            "pk"
        ).first() or registry.create_household(actor=actor, room=rental.room)
    elif household.room.building_id != rental.building_id:
        raise ValidationError({"household": _("Choose a household in the rental's building.")})
    person = registry.register_person(
        actor=actor,
        household=household,
        name=name,
        id_type=id_type,
        id_number=id_number,
        relation=Relation.TENANT,
        phone=phone,
        status=ResidentStatus.TENANT,
        origin=origin,
        employer=employer,
        arrival_date=move_in,
    )
    return add_tenant(
        actor=actor,
        rental=rental,
        person=person,
        move_in=move_in,
        reported_on=reported_on,
        from_risk_area=from_risk_area,
    )


@transaction.atomic
def end_tenancy(*, actor: Actor, tenancy: Tenancy, move_out: date | None = None) -> Tenancy:
    """A tenant moves out. The tenancy stays as history; the person's record is not touched."""
    registry.require_edit(actor)
    tenancy = Tenancy.objects.select_for_update().get(pk=tenancy.pk)
    registry.in_scope(actor, tenancy.path)
    if tenancy.move_out is not None:
        raise ValidationError(_("This tenant has already moved out."))
    move_out = move_out or timezone.localdate()
    if move_out < tenancy.move_in:
        raise ValidationError({"move_out": _("The move-out date is before the move-in date.")})
    if move_out > timezone.localdate():
        raise ValidationError({"move_out": _("The move-out date cannot be in the future.")})
    before = audit.snapshot(tenancy)
    tenancy.move_out = move_out
    tenancy.save(update_fields=["move_out"])
    audit.record(actor=actor, action=Action.UPDATE, obj=tenancy, before=before, after=audit.snapshot(tenancy))
    return tenancy


def require_district_policy_editor(actor: Actor) -> None:
    """Rental rules apply across the district, so only district-level editors set them."""
    from django.core.exceptions import PermissionDenied

    from wangge.core.access import has_permission, is_system, scope_of
    from wangge.registry.permissions import REGISTRY_EDIT

    scope = scope_of(actor)
    if not is_system(actor) and (
        not has_permission(actor, REGISTRY_EDIT) or scope.is_empty or scope.root.parent_id is not None
    ):
        raise PermissionDenied(_("Only the district sets rental rules."))


@transaction.atomic
def save_policy(
    *,
    actor: Actor,
    name: str,
    report_within_working_days: int,
    max_people_per_room: int,
    valid_from: date,
    valid_to: date | None = None,
) -> RentalPolicy:
    """A new rule version from a date; the one in force until then ends the day before."""
    require_district_policy_editor(actor)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("A name is required.")})
    if report_within_working_days < 0 or max_people_per_room < 0:
        raise ValidationError(_("Numbers cannot be negative."))
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError({"valid_to": _("The end date is before the start date.")})
    for older in still_open_on(RentalPolicy.objects.select_for_update(), valid_from):
        before = audit.snapshot(older)
        older.valid_to = valid_from - timedelta(days=1)
        older.save(update_fields=["valid_to"])
        audit.record(
            actor=actor,
            action=Action.UPDATE,
            obj=older,
            path=_actor_path(actor),
            before=before,
            after=audit.snapshot(older),
        )
    policy = RentalPolicy.objects.create(
        name=name,
        report_within_working_days=report_within_working_days,
        max_people_per_room=max_people_per_room,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    audit.record(
        actor=actor, action=Action.CREATE, obj=policy, path=_actor_path(actor), after=audit.snapshot(policy)
    )
    return policy


def _actor_path(actor: Actor) -> str:
    return actor.jurisdiction.path if getattr(actor, "jurisdiction", None) else ""
