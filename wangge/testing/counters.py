"""Coverage counts kept as changes happen, and the full recount they must always equal.

Every change of a Due row's status or result calls `bump` in the same transaction. Rows are
sharded per grid so that many tables scanning people of one grid do not queue on one row lock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Q

from wangge.testing.models import COUNTER_SHARDS, CoverageCounter, Due, DueStatus, PersonResult

FIELDS = ("due", "tested", "exempt", "resulted", "positive", "retest")


@dataclass
class Deltas:
    """Accumulated changes: (round_id, grid_id, path, shard) → [due, tested, exempt, resulted, positive, retest]."""

    rows: dict[tuple[int, int, str, int], list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0] * 6)
    )

    def add(self, round_id: int, grid_id: int, path: str, shard: int = 0, **changes: int) -> None:
        row = self.rows[(round_id, grid_id, path, shard % COUNTER_SHARDS)]
        for name, value in changes.items():
            row[FIELDS.index(name)] += value

    def __bool__(self) -> bool:
        return any(any(v) for v in self.rows.values())


def bump(deltas: Deltas) -> None:
    """Apply the deltas with one upsert. Rows are sorted so that concurrent batches lock in one order."""
    statement = bump_sql(deltas)
    if statement is not None:
        with connection.cursor() as cur:
            cur.execute(*statement)


def bump_sql(deltas: Deltas) -> tuple[str, list] | None:
    """The upsert of `bump` as (sql, params), or None when there is nothing to change."""
    items = sorted((k, v) for k, v in deltas.rows.items() if any(v))
    if not items:
        return None
    table = CoverageCounter._meta.db_table
    cols = "round_id, grid_id, path, shard, " + ", ".join(FIELDS)
    placeholders = ", ".join(["(" + ", ".join(["%s"] * 10) + ")"] * len(items))
    updates = ", ".join(f"{f} = {table}.{f} + excluded.{f}" for f in FIELDS)
    params: list = []
    for (round_id, grid_id, path, shard), values in items:
        params.extend([round_id, grid_id, path, shard, *values])
    return (
        f"INSERT INTO {table} ({cols}) VALUES {placeholders} "  # noqa: S608 - table and columns are ours
        f"ON CONFLICT (round_id, grid_id, shard) DO UPDATE SET {updates}",
        params,
    )


def recount_aggregates():
    return {
        "due": Count("id"),
        "tested": Count("id", filter=Q(status=DueStatus.TESTED)),
        "exempt": Count("id", filter=Q(status=DueStatus.EXEMPT)),
        "resulted": Count("id", filter=~Q(result="")),
        "positive": Count("id", filter=Q(result=PersonResult.POSITIVE)),
        "retest": Count("id", filter=Q(retest_needed=True)),
    }


def full_recount(round_id: int, path_prefix: str = "") -> dict[int, dict[str, int]]:
    """Counts per grid straight from the Due rows: what the counters must equal."""
    qs = Due.objects.filter(round_id=round_id)
    if path_prefix:
        qs = qs.filter(path__startswith=path_prefix)
    return {
        row.pop("grid_id"): row for row in qs.values("grid_id").annotate(**recount_aggregates()).order_by()
    }


def counted(round_id: int, path_prefix: str = "") -> dict[int, dict[str, int]]:
    """Counts per grid from the counters (summed over shards)."""
    from django.db.models import Sum

    qs = CoverageCounter.objects.filter(round_id=round_id)
    if path_prefix:
        qs = qs.filter(path__startswith=path_prefix)
    out = {}
    for row in qs.values("grid_id").annotate(**{f: Sum(f) for f in FIELDS}).order_by():
        gid = row.pop("grid_id")
        if any(row.values()):
            out[gid] = {k: int(v) for k, v in row.items()}
    return out


def rebuild(round_id: int) -> None:
    """Replace a round's counters by a full recount (after building the population)."""
    CoverageCounter.objects.filter(round_id=round_id).delete()
    paths = dict(Due.objects.filter(round_id=round_id).values_list("grid_id", "path").distinct().order_by())
    rows = [
        CoverageCounter(round_id=round_id, grid_id=gid, shard=0, path=paths[gid], **counts)
        for gid, counts in full_recount(round_id).items()
    ]
    CoverageCounter.objects.bulk_create(rows, batch_size=1000)


def grids_of(rows: Iterable[Due]) -> set[int]:
    return {r.grid_id for r in rows}
