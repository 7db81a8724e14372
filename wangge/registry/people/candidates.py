"""Likely duplicates computed in the background, read within the reader's scope.

Finding duplicates over a million people takes seconds (GROUP BYs over the whole registry, and
the near-identical ID comparison); a page cannot do it on every view. A *scan* finds the groups
of one kind over the whole registry, departed people included, and stores each member with the
path and active flag it had (DuplicateMember). The duplicates page then reads a page of groups
counted under the reader's scope (a GROUP BY of the stored members, not of the registry), and
fetches the people themselves through the scope: whoever moved out of it or was merged since the
scan is simply not shown, and a group left with fewer than two people is dropped.

A scan runs as a Celery task: eagerly in the embedded default (no Redis), in a worker otherwise.
The page shows when the candidates it reads were computed and offers a refresh; the
`refresh_duplicates` command (cron, or after a large import) does the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Window
from django.utils import timezone

from wangge.core.access import SYSTEM, Scope, scope_of, user_or_none
from wangge.registry import selectors
from wangge.registry.models import DuplicateMember, DuplicateScan, DuplicateScanStatus, Person
from wangge.registry.people import dedupe

# The background scan compares everyone once, so it may look further than a page load did.
SCAN_MAX_PAIRS = 100_000
SCAN_MAX_GROUPS = 200_000
# A scan still "running" after this long died with its worker: another may start.
STALE_RUNNING = timedelta(hours=1)
BATCH = 5000


# --- reading -------------------------------------------------------------------------


def latest_scan(kind: str) -> DuplicateScan | None:
    """The newest finished scan of this kind, or None."""
    return (
        DuplicateScan.objects.filter(kind=kind, status=DuplicateScanStatus.DONE)
        .order_by("-finished_at", "-id")
        .first()
    )


def running_scan(kind: str) -> DuplicateScan | None:
    """A scan of this kind started within the last hour and not finished yet."""
    since = timezone.now() - STALE_RUNNING
    return (
        DuplicateScan.objects.filter(kind=kind, status=DuplicateScanStatus.RUNNING, started_at__gte=since)
        .order_by("-started_at")
        .first()
    )


@dataclass
class GroupPage:
    """One page of stored groups as seen from a scope: each a list of at least two people."""

    groups: list[list[Person]]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


def group_page(
    scan: DuplicateScan, scope: Scope, *, include_departed: bool, number: int, per_page: int
) -> GroupPage:
    """Groups of `scan` with two members or more under `scope`, biggest first: three queries
    whatever the page size (the groups, their members, the people through the scope)."""
    members = scope.filter(DuplicateMember.objects.filter(scan=scan))
    if not include_departed:
        members = members.filter(is_active=True)
    start = (number - 1) * per_page
    rows = list(
        members.order_by()
        .values("group")
        .annotate(n=Count("person", distinct=True))
        .filter(n__gt=1)
        .order_by("-n", "group")
        .values_list("group", flat=True)[start : start + per_page + 1]
    )
    has_next = len(rows) > per_page
    wanted = rows[:per_page]
    by_group: dict[int, list[int]] = {g: [] for g in wanted}
    for group, person_id in (
        members.filter(group__in=wanted).order_by("group", "person_id").values_list("group", "person_id")
    ):
        if person_id not in by_group[group]:
            by_group[group].append(person_id)
    ids = {pk for pks in by_group.values() for pk in pks}
    people = {
        p.pk: p
        for p in selectors.people(scope, include_departed=include_departed)
        .filter(pk__in=ids)
        .select_related("household", "grid")
    }
    groups = []
    for group in wanted:
        found = [people[pk] for pk in by_group[group] if pk in people]
        if len(found) > 1:
            groups.append(found)
    return GroupPage(groups=groups, number=number, has_next=has_next)


# --- computing -----------------------------------------------------------------------


def _exact_members(kind: str) -> list[tuple[int, int, str, bool]]:
    """(group, person, path, active) of every group sharing (name, birth date) or a phone, over
    the whole registry with the departed: one query with a window count, biggest groups first."""
    base = selectors.people(scope_of(SYSTEM), include_departed=True).order_by()
    if kind == dedupe.SAME_NAME_BIRTH:
        base = base.exclude(birth_date__isnull=True)
        keys = [dedupe.binary("name"), F("birth_date")]
        key_fields = ("name", "birth_date")
    else:
        base = base.exclude(phone="")
        keys = [dedupe.binary("phone")]
        key_fields = ("phone",)
    rows = (
        base.annotate(n=Window(Count("id"), partition_by=keys))
        .filter(n__gt=1)
        .order_by("-n", *key_fields, "pk")
        .values_list("pk", "path", "is_active", *key_fields)
    )
    out: list[tuple[int, int, str, bool]] = []
    group, last = -1, None
    for pk, path, active, *key in rows.iterator(chunk_size=BATCH):
        if key != last:
            group, last = group + 1, key
        out.append((group, pk, path, active))
    return out


def _near_members() -> list[tuple[int, int, str, bool]]:
    pairs = dedupe.near_id_pairs(
        scope_of(SYSTEM), include_departed=True, max_pairs=SCAN_MAX_PAIRS, max_groups=SCAN_MAX_GROUPS
    )
    ids = {pk for pair in pairs for pk in pair}
    info: dict[int, tuple[str, bool]] = {}
    id_list = sorted(ids)
    for i in range(0, len(id_list), BATCH):
        for pk, path, active in Person.objects.filter(pk__in=id_list[i : i + BATCH]).values_list(
            "pk", "path", "is_active"
        ):
            info[pk] = (path, active)
    out = []
    for group, (a, b) in enumerate(pairs):
        if a in info and b in info:
            out.extend([(group, a, *info[a]), (group, b, *info[b])])
    return out


def compute(scan: DuplicateScan) -> DuplicateScan:
    """Fill `scan` (status running) with its kind's groups, then make it the current one."""
    try:
        with dedupe.roomy_queries():
            members = _near_members() if scan.kind == dedupe.NEAR_ID else _exact_members(scan.kind)
        with transaction.atomic():
            for i in range(0, len(members), BATCH):
                DuplicateMember.objects.bulk_create(
                    DuplicateMember(scan=scan, group=g, person_id=pk, path=path, is_active=active)
                    for g, pk, path, active in members[i : i + BATCH]
                )
            scan.status = DuplicateScanStatus.DONE
            scan.finished_at = timezone.now()
            scan.groups = len({m[0] for m in members})
            scan.save(update_fields=["status", "finished_at", "groups"])
            # Older scans of the kind are no longer read: drop them and their members.
            DuplicateScan.objects.filter(kind=scan.kind).exclude(pk=scan.pk).filter(
                started_at__lte=scan.started_at
            ).exclude(status=DuplicateScanStatus.RUNNING).delete()
    except Exception as exc:
        DuplicateScan.objects.filter(pk=scan.pk).update(
            status=DuplicateScanStatus.FAILED, finished_at=timezone.now(), error=str(exc)[:2000]
        )
        raise
    return scan


@shared_task(name="wangge.registry.tasks.refresh_duplicates_task", acks_late=True)
def refresh_duplicates_task(scan_id: int) -> str:
    scan = DuplicateScan.objects.filter(pk=scan_id, status=DuplicateScanStatus.RUNNING).first()
    if scan is None:
        return "missing"
    return compute(scan).status


def request_refresh(kind: str, *, actor: Any = None) -> DuplicateScan:
    """Start a scan of `kind` in the background (at once in the embedded default), unless one
    is already running: that one is returned instead."""
    if kind not in dedupe.KINDS:
        raise ValueError(kind)
    running = running_scan(kind)
    if running is not None:
        return running
    scan = DuplicateScan.objects.create(kind=kind, requested_by=user_or_none(actor))
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # The embedded default has no worker: compute now, so the page that asked shows the result.
        compute(scan)
    else:
        transaction.on_commit(lambda: refresh_duplicates_task.delay(scan.pk))
    return scan
