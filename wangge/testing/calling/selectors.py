"""Reads of the calling plan: batches, time windows and their queues, slots, notices and their deliveries (the writes are services.py)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from wangge.core.access import Scope
from wangge.testing.models import (
    CallSlot,
    DeliveryStatus,
    Due,
    DueStatus,
    Notice,
    NoticeDelivery,
    Round,
    Site,
    SlotKind,
)

KIND_RANK: dict[str, int] = {SlotKind.FLOOR: 0, SlotKind.BUILDING: 0, SlotKind.EMPLOYER: 1, SlotKind.GRID: 2}


@functools.lru_cache(maxsize=4096)
def _unit_text(unit_label: str) -> str:
    """'2' → '2', '2单元' → '2' (the format adds the word)."""
    text = (unit_label or "").strip()
    return re.sub(r"\s*单元$", "", text)


@functools.lru_cache(maxsize=16)
def _formats(language: str | None) -> dict[str, str]:
    """The label formats in one language (looked up once, not once per batch)."""
    return {
        "unit": _("unit %(unit)s"),
        "floor": _("floor %(floor)s"),
        "employer": _("%(employer)s (%(grid)s)"),
        "grid": _("other residents of %(grid)s"),
        "part": _("%(label)s, part %(k)d/%(m)d"),
    }


def batch_label(
    *,
    kind: str,
    building_name: str = "",
    unit_label: str = "",
    floor: int | None = None,
    employer: str = "",
    grid_name: str = "",
) -> str:
    """ "3号楼 2单元 5层" and the like, in the active language."""
    fmt = _formats(translation.get_language())
    if kind in (SlotKind.FLOOR, SlotKind.BUILDING):
        parts = [building_name]
        unit = _unit_text(unit_label)
        if unit:
            parts.append(fmt["unit"] % {"unit": unit})
        if floor is not None and kind == SlotKind.FLOOR:
            parts.append(fmt["floor"] % {"floor": floor})
        return " ".join(p for p in parts if p)
    if kind == SlotKind.EMPLOYER:
        return fmt["employer"] % {"employer": employer, "grid": grid_name}
    return fmt["grid"] % {"grid": grid_name}


def part_label(label: str, k: int, m: int) -> str:
    return _formats(translation.get_language())["part"] % {"label": label, "k": k, "m": m}


@functools.lru_cache(maxsize=8192)
def _natural(text: str) -> tuple:
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text or ""))


def slot_key(slot: CallSlot | dict) -> tuple:
    """Which people a batch is about: (grid, building, unit, floor, employer)."""
    get = slot.get if isinstance(slot, dict) else lambda name: getattr(slot, name)
    if get("building_id"):
        return (get("grid_id"), get("building_id"), get("unit_label") or "", get("floor"), "")
    return (get("grid_id"), None, "", None, get("employer") or "")


def plannable(rnd: Round) -> QuerySet[Due]:
    """People to call: still due, not exempt, not sampled at home."""
    return Due.objects.filter(round=rnd, status=DueStatus.DUE, home_sampling=False)


@dataclass
class Batch:
    key: tuple
    kind: str
    grid_id: int
    path: str
    people: int
    building_id: int | None = None
    building_name: str = ""
    unit_label: str = ""
    floor: int | None = None
    employer: str = ""
    grid_name: str = ""

    @property
    def order(self) -> tuple:
        return (
            KIND_RANK[self.kind],
            self.path,
            _natural(self.building_name),
            self.building_id or 0,
            _natural(self.unit_label),
            self.floor if self.floor is not None else -9999,
            self.employer,
        )


@dataclass
class PlanSummary:
    slots: int = 0
    people: int = 0
    sites: int = 0
    unassigned: int = 0
    over_capacity: int = 0
    seconds: float = 0.0
    kept: int = 0
    kept_people: int = 0
    replaced: int = 0
    unassigned_batches: list[str] = field(default_factory=list)
    over_capacity_sites: list[str] = field(default_factory=list)
    over_capacity_batches: int = 0

    def as_dict(self) -> dict:
        return {
            "slots": self.slots,
            "people": self.people,
            "sites": self.sites,
            "unassigned": self.unassigned,
            "over_capacity": self.over_capacity,
            "over_capacity_sites": self.over_capacity_sites,
            "kept": self.kept,
            "replaced": self.replaced,
            "seconds": round(self.seconds, 3),
        }


def window_capacity(rnd: Round, site: Site) -> tuple[int, int]:
    """(people swabbed in one window, people allowed to be called into one window)."""
    capacity = max(1, int(site.tables * rnd.rate_per_table_hour * rnd.window_minutes / 60))
    return capacity, capacity + site.tables * rnd.queue_target


def _ceil_minute(value: datetime) -> datetime:
    if value.second or value.microsecond:
        value = value.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return value


def plan_start(rnd: Round, site: Site, start_at: datetime | None = None) -> datetime:
    candidates = [site.opens_at, rnd.starts_at]
    if start_at is not None:
        candidates.append(start_at)
    return _ceil_minute(max(candidates))


def slots(scope: Scope, rnd: Round) -> QuerySet[CallSlot]:
    """Batches of a round the actor may see (a grid leader: those of their grid)."""
    return scope.filter(CallSlot.objects.filter(round=rnd)).select_related("site")


def get_slot(scope: Scope, slot_id) -> CallSlot:
    return scope.get(CallSlot.objects.select_related("round", "site", "site__unit"), pk=slot_id)


def get_notice(scope: Scope, notice_id) -> Notice:
    return scope.get(
        Notice.objects.select_related("slot", "slot__round", "slot__site"),
        path_field="slot__path",
        pk=notice_id,
    )


def window_queues(rnd: Round, site_ids) -> dict[tuple, tuple[float, bool]]:
    """For every window of these sites, from all their slots (one aggregate query): the expected
    queue per table when the window ends (people called plus those still waiting, less what the
    tables swab) and whether the people present exceed the swabs plus the queue allowed."""
    from django.db.models import Sum

    rows = (
        CallSlot.objects.filter(round=rnd, site_id__in=list(site_ids))
        .values("site_id", "site__tables", "starts_at", "ends_at")
        .annotate(people=Sum("people"))
        .order_by("site_id", "starts_at", "ends_at")
    )
    out: dict[tuple, tuple[float, bool]] = {}
    state: dict[int, tuple[float, datetime | None]] = {}
    for row in rows:
        tables = max(1, row["site__tables"])
        rate = tables * rnd.rate_per_table_hour / 60  # swabs a minute
        queue, last_end = state.get(row["site_id"], (0.0, None))
        if last_end is not None and row["starts_at"] > last_end:
            queue = max(0.0, queue - rate * (row["starts_at"] - last_end).total_seconds() / 60)
        minutes = max(1.0, (row["ends_at"] - row["starts_at"]).total_seconds() / 60)
        present = queue + row["people"]
        over = present > rate * minutes + tables * rnd.queue_target + 0.001
        queue = max(0.0, present - rate * minutes)
        end = max(row["ends_at"], last_end) if last_end else row["ends_at"]
        state[row["site_id"]] = (queue, end)
        out[(row["site_id"], row["starts_at"], row["ends_at"])] = (round(queue / tables, 1), over)
    return out


@dataclass
class Window:
    starts_at: datetime
    ends_at: datetime
    slots: list = field(default_factory=list)
    people: int = 0
    queue_per_table: float | None = None
    over_capacity: bool = False
    after_closing: bool = False


@dataclass
class SitePlan:
    site: Site
    windows: list[Window] = field(default_factory=list)

    @property
    def people(self) -> int:
        return sum(w.people for w in self.windows)


def windows_of(rnd: Round, slot_list, *, queues: dict | None = None) -> list[SitePlan]:
    """Slots grouped per site and window, in time order. `queues` (from window_queues) only for
    a planner, who sees every slot of the sites."""
    plans: dict[int, SitePlan] = {}
    index: dict[tuple, Window] = {}
    for slot in slot_list:
        plan = plans.get(slot.site_id)
        if plan is None:
            plan = plans[slot.site_id] = SitePlan(slot.site)
        key = (slot.site_id, slot.starts_at, slot.ends_at)
        w = index.get(key)
        if w is None:
            w = index[key] = Window(slot.starts_at, slot.ends_at)
            if queues is not None and key in queues:
                w.queue_per_table, w.over_capacity = queues[key]
            plan.windows.append(w)
        slot.after_closing = slot.ends_at > slot.site.closes_at
        w.after_closing = w.after_closing or slot.after_closing
        w.slots.append(slot)
        w.people += slot.people
    for plan in plans.values():
        plan.windows.sort(key=lambda w: (w.starts_at, w.ends_at))
    return sorted(plans.values(), key=lambda p: (p.site.path, p.site.name, p.site.pk))


def _local(value: datetime) -> datetime:
    return timezone.localtime(value)


def notice_text(slot: CallSlot) -> str:
    """The notice of a batch, in the default language of the site (residents read it)."""
    with translation.override(settings.LANGUAGE_CODE):
        site = slot.site
        start = _local(slot.starts_at)
        end = _local(slot.ends_at)
        return _(
            "[Testing notice] Residents of %(batch)s: please come to %(site)s (%(address)s) between "
            "%(start)s and %(end)s for a nucleic acid test. Bring your ID card or show your personal "
            "code, and keep one metre apart."
        ) % {
            "batch": slot.label,
            "start": start.strftime(_("%m/%d %H:%M")),
            "end": end.strftime(_("%H:%M")),
            "site": site.name,
            "address": site.address or site.unit.name,
        }


def delivery_counts(notice: Notice, scope: Scope) -> dict[str, int]:
    counts = dict.fromkeys(DeliveryStatus.values, 0)
    for row in (
        scope.filter(NoticeDelivery.objects.filter(notice=notice))
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    ):
        counts[row["status"]] = row["n"]
    counts["total"] = sum(counts.values())
    return counts
