"""The calling plan (分批错时): who is called to which site, and when, so that nobody queues long;
and the notices that tell them.

`build_plan` groups the people still due into batches (building, unit and floor; a company; the
rest of a grid) with one aggregate query, sends each batch to the site serving it and places the
batches into consecutive windows of each site without letting the queue at any table grow beyond
the round's target. Batches that no longer fit before the site closes are still placed (after
closing) and reported. Hand-edited slots, and slots whose people have already been told a time,
are kept on a rebuild and their people are not planned again.

A notice goes to the people of one batch: one `NoticeDelivery` per person (never two), sent after
the commit through the configured channel (a Celery task, eager without Redis).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import Actor, require, require_path, scope_of, user_or_none
from wangge.registry.models import BuildingKind
from wangge.testing import permissions as perms
from wangge.testing.calling.selectors import (
    Batch,
    PlanSummary,
    batch_label,
    notice_text,
    part_label,
    plan_start,
    plannable,
    slot_key,
    window_capacity,
)
from wangge.testing.models import (
    CallSlot,
    DeliveryStatus,
    Notice,
    NoticeDelivery,
    Round,
    RoundStatus,
    Site,
    SlotKind,
)

# ------------------------------------------------------------------------------------ labels


# ------------------------------------------------------------------------------------- keys


def _due_key(row: dict) -> tuple:
    if row.get("building_id"):
        # A dormitory is called by whole floors, whatever its units.
        unit = "" if row.get("building__kind") == BuildingKind.DORMITORY else (row["unit_label"] or "")
        return (row["grid_id"], row["building_id"], unit, row["floor"], "")
    return (row["grid_id"], None, "", None, row.get("person__employer") or "")


# ------------------------------------------------------------------------------------- plan


def _batches(rnd: Round, kept: dict[tuple, int]) -> list[Batch]:
    """The people to call, grouped by key with one aggregate query per kind (on small columns
    only, so that the database hashes instead of sorting); people already in kept slots are
    taken off their batch."""
    from wangge.org.models import OrgUnit
    from wangge.registry.models import Building

    base = plannable(rnd)
    rows = list(
        base.filter(building__isnull=False)
        .values("grid_id", "building_id", "unit_label", "floor")
        .annotate(n=Count("id"))
        .order_by()
    )
    buildings = {
        b["id"]: b
        for b in Building.objects.filter(pk__in={r["building_id"] for r in rows}).values("id", "name", "kind")
    }
    for row in rows:
        row["person__employer"] = ""
        row["building__kind"] = buildings[row["building_id"]]["kind"]
    rows += list(
        base.filter(building__isnull=True)
        .values("grid_id", "person__employer")
        .annotate(n=Count("id"))
        .order_by()
    )
    grids = dict(OrgUnit.objects.filter(pk__in={r["grid_id"] for r in rows}).values_list("pk", "path"))
    batches: dict[tuple, Batch] = {}
    for row in rows:
        key = _due_key(row)
        batch = batches.get(key)
        if batch is None:
            building_id = row.get("building_id")
            if building_id:
                kind = SlotKind.FLOOR
            elif row["person__employer"]:
                kind = SlotKind.EMPLOYER
            else:
                kind = SlotKind.GRID
            batch = batches[key] = Batch(
                key=key,
                kind=kind,
                grid_id=row["grid_id"],
                path=grids[row["grid_id"]],
                people=0,
                building_id=building_id,
                building_name=buildings[building_id]["name"] if building_id else "",
                unit_label=key[2],
                floor=key[3],
                employer=key[4],
            )
        batch.people += row["n"]
    out = []
    for key, batch in batches.items():
        batch.people -= kept.get(key, 0)
        if batch.people > 0:
            out.append(batch)
    return out


SLOT_COLUMNS = (
    ("round_id", "bigint"),
    ("site_id", "bigint"),
    ("kind", "varchar"),
    ("grid_id", "bigint"),
    ("building_id", "bigint"),
    ("unit_label", "varchar"),
    ("floor", "smallint"),
    ("employer", "varchar"),
    ("label", "varchar"),
    ("starts_at", "timestamptz"),
    ("ends_at", "timestamptz"),
    ("people", "integer"),
    ("edited", "boolean"),
    ("path", "varchar"),
)


def _insert_slots(rows: list[tuple]) -> None:
    """Insert planned slots (tuples in SLOT_COLUMNS order): COPY on PostgreSQL, else bulk_create."""
    from django.db import connection

    if connection.vendor != "postgresql":
        names = [c for c, _t in SLOT_COLUMNS]
        CallSlot.objects.bulk_create(
            [CallSlot(**dict(zip(names, r, strict=True))) for r in rows], batch_size=1000
        )
        return
    table = CallSlot._meta.db_table
    columns = ", ".join(c for c, _t in SLOT_COLUMNS)
    with connection.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


class _SiteIndex:
    def __init__(self, sites: list[Site]):
        self.sites = sites
        self.by_building: dict[int, Site] = {}
        self.by_grid: dict[int, Site] = {}
        through_b = Site.buildings.through.objects.filter(site__in=sites).order_by("site_id")
        through_g = Site.grids.through.objects.filter(site__in=sites).order_by("site_id")
        by_id = {s.pk: s for s in sites}
        for site_id, building_id in through_b.values_list("site_id", "building_id"):
            self.by_building.setdefault(building_id, by_id[site_id])
        for site_id, grid_id in through_g.values_list("site_id", "orgunit_id"):
            self.by_grid.setdefault(grid_id, by_id[site_id])
        # Nearest by org path: the deepest unit first; at one unit, the site with most tables.
        self.by_depth = sorted(sites, key=lambda s: (-len(s.path), -s.tables, s.pk))
        self._nearest: dict[str, Site | None] = {}

    def site_for(self, batch: Batch) -> Site | None:
        if batch.building_id and batch.building_id in self.by_building:
            return self.by_building[batch.building_id]
        if batch.grid_id in self.by_grid:
            return self.by_grid[batch.grid_id]
        if batch.path not in self._nearest:
            self._nearest[batch.path] = next(
                (s for s in self.by_depth if batch.path.startswith(s.path)), None
            )
        return self._nearest[batch.path]


@dataclass
class _Placed:
    batch: Batch
    people: int
    window: int
    part: int = 1
    parts: int = 1


def _schedule(rnd: Round, site: Site, batches: list[Batch], preload: dict[int, int]) -> list[_Placed]:
    """Place batches into consecutive windows: the people present in a window (called now plus
    those still queueing) never exceed the swabs of the window plus the queue allowed at each
    table; a batch bigger than a window is split over consecutive windows."""
    capacity, allowance = window_capacity(rnd, site)
    placed: list[_Placed] = []
    index = 0
    queue = 0  # still waiting when the window starts
    called = preload.get(0, 0)

    def advance():
        nonlocal index, queue, called
        queue = max(0, queue + called - capacity)
        index += 1
        called = preload.get(index, 0)

    for batch in batches:
        n = batch.people
        room = allowance - queue - called
        if n <= room:
            placed.append(_Placed(batch, n, index))
            called += n
            continue
        # Does it fit whole in the next window?
        next_queue = max(0, queue + called - capacity)
        if n <= allowance - next_queue - preload.get(index + 1, 0):
            advance()
            placed.append(_Placed(batch, n, index))
            called += n
            continue
        # Too big for any window: split it over consecutive windows.
        if called:
            advance()
        parts = []
        left = n
        guard = 0
        while left > 0:
            room = allowance - queue - called
            if room <= 0:
                advance()
                guard += 1
                if guard > 10000:  # pragma: no cover - a site with no room at all
                    break
                continue
            take = min(left, room)
            parts.append(_Placed(batch, take, index))
            called += take
            left -= take
            if left > 0:
                advance()
        for k, part in enumerate(parts, start=1):
            part.part, part.parts = k, len(parts)
        placed.extend(parts)
    return placed


def _window_bounds(start: datetime, minutes: int, index: int) -> tuple[datetime, datetime]:
    begin = start + timedelta(minutes=minutes * index)
    return begin, begin + timedelta(minutes=minutes)


@transaction.atomic
def build_plan(*, actor: Actor, round: Round, start_at: datetime | None = None) -> PlanSummary:  # noqa: A002
    """Build (or rebuild) the calling plan of a round. See the module's docstring."""
    began = time.perf_counter()
    require(actor, perms.TESTING_MANAGE)
    require_path(actor, round.path)
    rnd = round
    if rnd.status == RoundStatus.CLOSED:
        raise ValidationError(_("This round is closed."))
    Round.objects.select_for_update().filter(pk=rnd.pk).first()  # one build at a time
    summary = PlanSummary()

    # Slots kept: edited by hand, or already noticed (their people were told a time).
    kept_q = Q(edited=True) | Q(notices__isnull=False)
    kept_slots = list(
        CallSlot.objects.filter(round=rnd)
        .filter(kept_q)
        .distinct()
        .values(
            "id",
            "site_id",
            "grid_id",
            "building_id",
            "unit_label",
            "floor",
            "employer",
            "people",
            "starts_at",
        )
    )
    kept: dict[tuple, int] = defaultdict(int)
    for s in kept_slots:
        kept[slot_key(s)] += s["people"]
    summary.kept = len(kept_slots)
    summary.kept_people = sum(s["people"] for s in kept_slots)
    old = CallSlot.objects.filter(round=rnd).exclude(
        pk__in=CallSlot.objects.filter(round=rnd).filter(kept_q).values("pk")
    )
    summary.replaced = old.count()
    if summary.replaced:
        old._raw_delete(old.db)  # no notices hang on these (noticed slots are kept)

    sites = list(Site.objects.filter(round=rnd).select_related("unit").order_by("path", "name", "id"))
    index = _SiteIndex(sites)
    batches = _batches(rnd, kept)
    grid_names: dict[int, str] = {}
    if batches:
        from wangge.org.models import OrgUnit

        grid_ids = {b.grid_id for b in batches if b.kind != SlotKind.FLOOR}
        grid_names = dict(OrgUnit.objects.filter(pk__in=grid_ids).values_list("pk", "name"))

    per_site: dict[int, list[Batch]] = defaultdict(list)
    site_by_id = {s.pk: s for s in sites}
    for batch in batches:
        site = index.site_for(batch)
        if site is None:
            summary.unassigned += batch.people
            if len(summary.unassigned_batches) < 50:
                batch.grid_name = grid_names.get(batch.grid_id, "")
                summary.unassigned_batches.append(_label_of(batch))
            continue
        per_site[site.pk].append(batch)

    new_slots: list[tuple] = []
    with translation.override(settings.LANGUAGE_CODE):
        for site_id, site_batches in per_site.items():
            site = site_by_id[site_id]
            site_batches.sort(key=lambda b: b.order)
            start = plan_start(rnd, site, start_at)
            preload = _preload(rnd, site, start, [s for s in kept_slots if s["site_id"] == site.pk])
            over = 0
            for placed in _schedule(rnd, site, site_batches, preload):
                batch = placed.batch
                batch.grid_name = grid_names.get(batch.grid_id, "")
                begins, ends = _window_bounds(start, rnd.window_minutes, placed.window)
                label = _label_of(batch)
                if placed.parts > 1:
                    label = part_label(label, placed.part, placed.parts)
                if ends > site.closes_at:
                    over += placed.people
                    summary.over_capacity_batches += 1
                new_slots.append(
                    (
                        rnd.pk,
                        site.pk,
                        batch.kind,
                        batch.grid_id,
                        batch.building_id,
                        batch.unit_label,
                        batch.floor,
                        batch.employer[:200],
                        label[:250],
                        begins,
                        ends,
                        placed.people,
                        False,
                        batch.path,
                    )
                )
                summary.people += placed.people
            if over:
                summary.over_capacity += over
                summary.over_capacity_sites.append(site.name)
    _insert_slots(new_slots)
    summary.slots = len(new_slots)
    summary.sites = len(per_site)
    summary.seconds = time.perf_counter() - began
    audit.record(actor=actor, action=Action.UPDATE, obj=rnd, after={"calling_plan": summary.as_dict()})
    return summary


def _label_of(batch: Batch) -> str:
    return batch_label(
        kind=batch.kind,
        building_name=batch.building_name,
        unit_label=batch.unit_label,
        floor=batch.floor,
        employer=batch.employer,
        grid_name=batch.grid_name,
    )


def _preload(rnd: Round, site: Site, start: datetime, kept_slots: list[dict]) -> dict[int, int]:
    """People of kept slots at this site, by the window of the new plan they fall into."""
    out: dict[int, int] = defaultdict(int)
    width = timedelta(minutes=rnd.window_minutes)
    for s in kept_slots:
        if s["starts_at"] < start:
            continue
        out[int((s["starts_at"] - start) / width)] += s["people"]
    return out


# ---------------------------------------------------------------------------- plan: reading


# ---------------------------------------------------------------------------- editing a slot


@transaction.atomic
def update_slot(
    *, actor: Actor, slot: CallSlot, site: Site, starts_at: datetime, ends_at: datetime
) -> CallSlot:
    require(actor, perms.TESTING_MANAGE)
    require_path(actor, slot.path)
    slot = CallSlot.objects.select_for_update().select_related("round").get(pk=slot.pk)
    if slot.round.status == RoundStatus.CLOSED:
        raise ValidationError(_("This round is closed."))
    scope = scope_of(actor)
    if site is None or site.round_id != slot.round_id or not scope.covers_path(site.path):
        raise ValidationError({"site": _("Choose a site of this round.")})
    if starts_at is None or ends_at is None:
        raise ValidationError(_("Give the start and the end of the window."))
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The end must come after the start.")})
    before = {
        "site": slot.site_id,
        "starts_at": slot.starts_at.isoformat(),
        "ends_at": slot.ends_at.isoformat(),
    }
    slot.site = site
    slot.starts_at = starts_at
    slot.ends_at = ends_at
    slot.edited = True
    slot.save(update_fields=["site", "starts_at", "ends_at", "edited"])
    audit.record(
        actor=actor,
        action=Action.UPDATE,
        obj=slot,
        before=before,
        after={
            "site": site.pk,
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
            "edited": True,
        },
    )
    return slot


# ----------------------------------------------------------------------------------- notices


def _people_of_slots(rnd: Round, targets: list[CallSlot]) -> dict[int, list[dict]]:
    """Who is in each batch: the people still due with the batch's key, shared out among the
    batches of the same key (parts of a split batch, a kept slot) in a stable order; someone
    already told by one of them stays with it."""
    keys = {slot_key(s) for s in targets}
    grids = {k[0] for k in keys}
    siblings = [
        s for s in CallSlot.objects.filter(round=rnd, grid_id__in=grids).order_by("id") if slot_key(s) in keys
    ]
    rows = (
        plannable(rnd)
        .filter(grid_id__in=grids)
        .values(
            "person_id",
            "grid_id",
            "building_id",
            "unit_label",
            "floor",
            "path",
            "building__kind",
            "person__employer",
            "person__phone",
        )
        .order_by("person_id")
    )
    if len(keys) == 1:
        grid, building, unit, floor, employer = next(iter(keys))
        if building:
            rows = rows.filter(building_id=building)
            if unit:
                rows = rows.filter(unit_label=unit)
            rows = rows.filter(floor__isnull=True) if floor is None else rows.filter(floor=floor)
        else:
            rows = rows.filter(building__isnull=True, person__employer=employer)
    candidates: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        key = _due_key(row)
        if key in keys:
            candidates[key].append(row)
    sticky: dict[int, int] = {}
    for person_id, slot_id in (
        NoticeDelivery.objects.filter(notice__slot__round=rnd, notice__slot__grid_id__in=grids)
        .order_by("notice_id")
        .values_list("person_id", "notice__slot_id")
    ):
        sticky[person_id] = slot_id
    out: dict[int, list[dict]] = {s.pk: [] for s in siblings}
    by_key: dict[tuple, list[CallSlot]] = defaultdict(list)
    for s in siblings:
        by_key[slot_key(s)].append(s)
    for key, group in by_key.items():
        ids = {s.pk for s in group}
        free = []
        for row in candidates.get(key, []):
            slot_id = sticky.get(row["person_id"])
            if slot_id in ids:
                out[slot_id].append(row)
            else:
                free.append(row)
        for i, s in enumerate(group):
            room = max(0, s.people - len(out[s.pk])) if i < len(group) - 1 else len(free)
            out[s.pk].extend(free[:room])
            free = free[room:]
    return {s.pk: out.get(s.pk, []) for s in targets}


def _create_notice(actor: Actor, slot: CallSlot, people: list[dict], channel: str) -> tuple[Notice, bool]:
    text = notice_text(slot)
    existing = Notice.objects.filter(slot=slot, text=text).order_by("-id").first()
    if existing is not None:
        notice, created = existing, False
    else:
        notice = Notice.objects.create(
            slot=slot,
            channel=channel,
            text=text,
            created_by=user_or_none(actor),
        )
        created = True
    have = set(NoticeDelivery.objects.filter(notice=notice).values_list("person_id", flat=True))
    now = timezone.now()
    NoticeDelivery.objects.bulk_create(
        [_delivery(notice, row, now) for row in people if row["person_id"] not in have],
        batch_size=1000,
        ignore_conflicts=True,
    )
    return notice, created


def _delivery(notice: Notice, row: dict, now: datetime) -> NoticeDelivery:
    phone = row["person__phone"]
    return NoticeDelivery(
        notice=notice,
        person_id=row["person_id"],
        path=row["path"],
        status=DeliveryStatus.QUEUED if phone else DeliveryStatus.NO_PHONE,
        detail="" if phone else "no phone number",
        sent_at=None if phone else now,
    )


def _channel_name() -> str:
    from wangge.testing.calling.channels import get_channel

    return getattr(get_channel(), "name", "") or "outbox"


def _send_after_commit(notice_ids: list[int]) -> None:
    if not notice_ids:
        return
    transaction.on_commit(lambda: send_notices_task.delay(list(notice_ids)))


@transaction.atomic
def send_slot_notice(*, actor: Actor, slot: CallSlot) -> Notice:
    """Tell the people of one batch. Sending the same notice again adds only new people."""
    require(actor, perms.TESTING_MANAGE)
    require_path(actor, slot.path)
    slot = CallSlot.objects.select_for_update().select_related("round", "site", "site__unit").get(pk=slot.pk)
    if slot.round.status == RoundStatus.CLOSED:
        raise ValidationError(_("This round is closed."))
    people = _people_of_slots(slot.round, [slot])[slot.pk]
    notice, created = _create_notice(actor, slot, people, _channel_name())
    audit.record(
        actor=actor,
        action=Action.CREATE if created else Action.UPDATE,
        obj=notice,
        path=slot.path,
        after={"slot": slot.pk, "label": slot.label, "people": len(people)},
    )
    _send_after_commit([notice.pk])
    return notice


@transaction.atomic
def send_plan_notices(*, actor: Actor, round: Round) -> list[Notice]:  # noqa: A002
    """One notice for every batch in the actor's scope that has none yet."""
    require(actor, perms.TESTING_MANAGE)
    scope = scope_of(actor)
    if round.status == RoundStatus.CLOSED:
        raise ValidationError(_("This round is closed."))
    Round.objects.select_for_update().filter(pk=round.pk).first()  # one run at a time
    candidates = scope.filter(CallSlot.objects.filter(round=round, notices__isnull=True))
    # Lock the batches, then read again: a notice sent meanwhile for one of them is not repeated.
    locked = list(
        CallSlot.objects.select_for_update()
        .filter(pk__in=candidates.values("pk"))
        .values_list("pk", flat=True)
    )
    targets = list(
        CallSlot.objects.filter(pk__in=locked, notices__isnull=True)
        .select_related("site", "site__unit")
        .order_by("site_id", "starts_at", "id")
    )
    if not targets:
        return []
    people = _people_of_slots(round, targets)
    channel = _channel_name()
    creator = user_or_none(actor)
    notices = Notice.objects.bulk_create(
        [Notice(slot=slot, channel=channel, text=notice_text(slot), created_by=creator) for slot in targets],
        batch_size=1000,
    )
    now = timezone.now()
    NoticeDelivery.objects.bulk_create(
        [
            _delivery(notice, row, now)
            for notice, slot in zip(notices, targets, strict=True)
            for row in people[slot.pk]
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )
    audit.record(
        actor=actor,
        action=Action.CREATE,
        obj=round,
        path=scope.path or "",
        after={"notices": len(notices), "people": sum(len(v) for v in people.values())},
    )
    _send_after_commit([n.pk for n in notices])
    return notices


@transaction.atomic
def resend_failed(*, actor: Actor, notice: Notice) -> int:
    """Queue again the deliveries of a notice that failed (only those). Returns how many."""
    require(actor, perms.TESTING_MANAGE)
    require_path(actor, notice.slot.path)
    failed = NoticeDelivery.objects.filter(notice=notice, status=DeliveryStatus.FAILED)
    n = failed.update(status=DeliveryStatus.QUEUED, detail="")
    audit.record(actor=actor, action=Action.UPDATE, obj=notice, path=notice.slot.path, after={"resend": n})
    if n:
        _send_after_commit([notice.pk])
    return n


# --------------------------------------------------------------------------------- sending


def deliver(notice_ids: list[int], chunk: int = 500) -> dict[str, int]:
    """Send the queued deliveries of these notices through the channel and record each result.
    Rows are claimed under a lock, so two runs never send the same delivery twice."""
    from wangge.testing.calling.channels import Message, get_channel

    channel = get_channel()
    totals = {"sent": 0, "failed": 0}
    # One claim covers many notices: a plan sends hundreds of small batches at once, and a
    # round trip per batch made the wait grow with the number of batches, not of people.
    while True:
        with transaction.atomic():
            qs = NoticeDelivery.objects.filter(
                notice_id__in=notice_ids, status=DeliveryStatus.QUEUED
            ).order_by("pk")
            if transaction.get_connection().features.has_select_for_update_skip_locked:
                qs = qs.select_for_update(skip_locked=True, of=("self",))
            rows = list(qs.select_related("person", "notice")[:chunk])
            if not rows:
                break
            messages = [
                Message(
                    ref=f"notice:{d.notice_id}:{d.person_id}",
                    phone=d.person.phone,
                    text=d.notice.text,
                    path=d.path,
                )
                for d in rows
            ]
            results = {r.ref: r for r in channel.send(messages)}
            now = timezone.now()
            for d, m in zip(rows, messages, strict=True):
                r = results.get(m.ref)
                if r is not None and r.ok:
                    d.status, d.detail, d.provider_id = DeliveryStatus.SENT, "", r.provider_id[:80]
                    totals["sent"] += 1
                else:
                    d.status = DeliveryStatus.FAILED
                    d.detail = ((r.detail if r else "") or "not sent")[:200]
                    d.provider_id = (r.provider_id if r else "")[:80]
                    totals["failed"] += 1
                d.sent_at = now
            NoticeDelivery.objects.bulk_update(
                rows, ["status", "detail", "provider_id", "sent_at"], batch_size=chunk
            )
    return totals


# The task lives beside the work it runs (wangge/testing/tasks.py shows it to Celery's
# discovery); its name is the one queued notices already carry.
@shared_task(name="wangge.testing.tasks.send_notices_task", acks_late=True)
def send_notices_task(notice_ids: list[int]) -> dict:
    """Send the queued deliveries of these notices and record each person's status."""
    return deliver(list(notice_ids))
