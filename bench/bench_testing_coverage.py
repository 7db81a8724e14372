"""Coverage of a round of ~1,000,000 due and 900,000 tested: counters against a full scan.

Meant for the 1,000,000-people database (see README: wangge_bench_1m, BENCH_PEOPLE=1000000);
on a smaller one it runs at that size and says so.

1. A round over the whole district; `services.build_population` makes everyone active due
   (timed: one INSERT … SELECT per area, then `counters.rebuild`).
2. Sampling is simulated in SQL: 900,000 Due rows (or 90% below 1,000,000 due) set tested in a
   scattered order, 1% of the rest exempt, results for about 85% of the tested (one in a thousand a
   positive pool needing a re-test); then `counters.rebuild` (timed) and the counts spread over
   the 8 counter shards per grid, as fifty tables scanning at once leave them.
3. Timed, BENCH_N (default 200) runs after 10 warm-up ones, p50/p95/max:
   `selectors.coverage_of_grid` for the largest grid (target p95 < 10 ms) and
   `selectors.coverage_by_office` for the district (target p95 < 100 ms), as the district admin;
   beside them the plain SQL that scans every Due row (count(*) FILTER … GROUP BY office) that
   the counters spare (BENCH_COVERAGE_SQL_N runs, default 20).
4. Correctness (returns False if either fails): `counters.counted == counters.full_recount` and
   the counters' district totals per office equal the full scan's.
The round and its rows are deleted at the end (BENCH_KEEP=1 keeps them).
"""

import math
import os
import time

TARGET_GRID_MS = 10.0
TARGET_OFFICE_MS = 100.0
WARMUP = 10


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


CPU_MS: dict[int, float] = {}  # id(list of timings) -> CPU ms of this process per call


def timed(fn, n: int, warmup: int = WARMUP) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    cpu = time.process_time()
    for _ in range(n):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    CPU_MS[id(out)] = (time.process_time() - cpu) * 1000 / n
    return out


SCAN_SQL = """
    SELECT split_part(path, '/', 3) AS office, count(*) AS due,
           count(*) FILTER (WHERE status = 'tested') AS tested,
           count(*) FILTER (WHERE status = 'exempt') AS exempt,
           count(*) FILTER (WHERE result <> '') AS resulted,
           count(*) FILTER (WHERE result = 'positive') AS positive,
           count(*) FILTER (WHERE retest_needed) AS retest
    FROM testing_due WHERE round_id = %s GROUP BY 1
"""


def simulate_sampling(round_id: int, due: int) -> int:
    """Mark people tested, exempt and resulted straight in SQL. Returns how many were tested."""
    from django.db import connection

    tested = 900_000 if due >= 950_000 else round(0.9 * due)
    # One pass over the round's rows: the first `tested` in a scattered order are tested (85% of them
    # with a result, one in a thousand a positive pool to re-test), 1% of the others exempt.
    with connection.cursor() as cur:
        cur.execute(
            """
            WITH r AS (
                SELECT id, row_number() OVER (ORDER BY hashtext(id::text)) <= %s AS hit,
                       abs(hashtext(id::text)) AS h
                FROM testing_due WHERE round_id = %s
            )
            UPDATE testing_due d SET
                status = CASE WHEN r.hit THEN 'tested' WHEN r.h %% 100 = 0 THEN 'exempt' ELSE 'due' END,
                exempt_reason = CASE WHEN NOT r.hit AND r.h %% 100 = 0 THEN 'away' ELSE '' END,
                tested_at = CASE WHEN r.hit THEN now() END,
                result = CASE WHEN r.hit AND r.h %% 100 < 85
                              THEN CASE WHEN r.h %% 1000 = 7 THEN 'pool_positive' ELSE 'negative' END
                              ELSE '' END,
                result_at = CASE WHEN r.hit AND r.h %% 100 < 85 THEN now() END,
                retest_needed = r.hit AND r.h %% 100 < 85 AND r.h %% 1000 = 7
            FROM r WHERE d.id = r.id
            """,
            [tested, round_id],
        )
    return tested


def spread_over_shards(round_id: int) -> None:
    """Move 1/8 of each grid's counts from shard 0 into each of shards 1..7 (sums unchanged)."""
    from django.db import connection

    from wangge.testing.counters import FIELDS
    from wangge.testing.models import COUNTER_SHARDS

    cols = ", ".join(FIELDS)
    eighths = ", ".join(f"{f} / {COUNTER_SHARDS}" for f in FIELDS)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO testing_coveragecounter (round_id, grid_id, path, shard, {cols}) "  # noqa: S608
            f"SELECT round_id, grid_id, path, s, {eighths} FROM testing_coveragecounter, "
            f"generate_series(1, {COUNTER_SHARDS - 1}) AS s WHERE round_id = %s AND shard = 0",
            [round_id],
        )
        sets = ", ".join(f"{f} = {f} - ({COUNTER_SHARDS - 1}) * ({f} / {COUNTER_SHARDS})" for f in FIELDS)
        cur.execute(
            f"UPDATE testing_coveragecounter SET {sets} WHERE round_id = %s AND shard = 0", [round_id]
        )  # noqa: S608


def delete_round(round_id: int) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        for table in ("testing_coveragecounter", "testing_due", "testing_roundarea", "testing_callslot"):
            cur.execute(f"DELETE FROM {table} WHERE round_id = %s", [round_id])  # noqa: S608
        cur.execute("DELETE FROM testing_round WHERE id = %s", [round_id])


def machine_speed() -> str:
    """How fast and how free this machine is right now: a fixed Python loop's CPU and wall time
    (about 0.05 s of CPU on an idle modern core). The figures below scale with both."""
    cpu, wall = time.process_time(), time.perf_counter()
    total = 0
    for i in range(1_000_000):
        total += i
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return f"machine: a 1M-step Python loop took {cpu * 1000:.0f} ms CPU and {wall * 1000:.0f} ms wall (idle modern core: ~50 ms both)"


def main() -> bool:
    from datetime import timedelta

    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from wangge.accounts.models import User
    from wangge.core.access import scope_of
    from wangge.demo.tables import render_table
    from wangge.org.models import Level, OrgUnit
    from wangge.testing import counters
    from wangge.testing.models import CoverageCounter, Due
    from wangge.testing.rounds import selectors, services

    n = int(os.environ.get("BENCH_N", "200"))
    print(machine_speed())
    sql_n = int(os.environ.get("BENCH_COVERAGE_SQL_N", "20"))
    admin = User.objects.get(username="admin")
    district = admin.jurisdiction
    scope = scope_of(admin)
    now = timezone.now()
    rnd = services.create_round(
        actor=admin,
        name=f"bench coverage {now:%H%M%S}",
        owner=district,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=12),
        areas=[(district, 10)],
    )
    ok = True
    try:
        started = time.perf_counter()
        added = services.build_population(actor=admin, round=rnd)
        build_s = time.perf_counter() - started
        started = time.perf_counter()
        tested = simulate_sampling(rnd.pk, added)
        simulate_s = time.perf_counter() - started
        started = time.perf_counter()
        counters.rebuild(rnd.pk)
        rebuild_s = time.perf_counter() - started
        spread_over_shards(rnd.pk)
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE testing_due, testing_coveragecounter")
        print(
            f"round over the district: {added:,} due{'' if added >= 900_000 else ' (meant for 1,000,000: use the 1M database)'}, "
            f"{tested:,} tested; {CoverageCounter.objects.filter(round=rnd).count():,} counter rows"
        )
        print(
            f"build_population {build_s:.1f} s (INSERT … SELECT + counters.rebuild); simulated sampling in SQL "
            f"{simulate_s:.1f} s; counters.rebuild after it {rebuild_s:.1f} s"
        )

        grid_id = (
            Due.objects.filter(round=rnd).values("grid_id").annotate(c=Count("id"))
            .order_by("-c").values_list("grid_id", flat=True).first()
        )  # fmt: skip
        grid = OrgUnit.objects.get(pk=grid_id)
        grid_due = Due.objects.filter(round=rnd, grid=grid).count()

        def scan_sql():
            with connection.cursor() as cur:
                cur.execute(SCAN_SQL, [rnd.pk])
                return cur.fetchall()

        t_grid = timed(lambda: selectors.coverage_of_grid(scope, rnd, grid), n)
        t_office = timed(lambda: selectors.coverage_by_office(scope, rnd), n)
        t_sql = timed(scan_sql, sql_n, warmup=2)
        grid_sql = (
            "SELECT count(*), count(*) FILTER (WHERE status = 'tested') FROM testing_due "
            "WHERE round_id = %s AND grid_id = %s"
        )

        def scan_grid():
            with connection.cursor() as cur:
                cur.execute(grid_sql, [rnd.pk, grid.pk])
                return cur.fetchone()

        t_grid_sql = timed(scan_grid, min(n, 50), warmup=2)
        rows = []
        for label, times, target in [
            (f"coverage_of_grid ({grid.name}, {grid_due:,} due)", t_grid, TARGET_GRID_MS),
            (f"coverage_by_office (district, {added:,} due)", t_office, TARGET_OFFICE_MS),
            ("plain SQL: one grid's Due rows, count FILTER", t_grid_sql, None),
            ("plain SQL: every Due row, count FILTER … GROUP BY office", t_sql, None),
        ]:
            p95 = percentile(times, 95)
            verdict = "-" if target is None else ("PASS" if p95 < target else "MISS")
            rows.append(
                [
                    label,
                    len(times),
                    f"{percentile(times, 50):.2f}",
                    f"{p95:.2f}",
                    f"{max(times):.2f}",
                    f"{CPU_MS[id(times)]:.2f}",
                    "-" if target is None else f"< {target:.0f}",
                    verdict,
                ]
            )
        print(
            render_table(
                ["measurement", "runs", "p50 ms", "p95 ms", "max ms", "Python CPU ms/call", "target p95", ""],
                rows,
            )
        )
        print(
            "(Python CPU: this process's CPU time per call, the rest of the wall time is the database and waiting "
            "for a core; the machine is shared)"
        )

        # Correctness
        started = time.perf_counter()
        recount = counters.full_recount(rnd.pk)
        recount_s = time.perf_counter() - started
        equal = counters.counted(rnd.pk) == recount
        print(
            f"counters.counted == counters.full_recount ({len(recount)} grids; the recount took {recount_s:.2f} s): {equal}"
        )
        ok &= equal
        totals, offices = selectors.coverage_by_office(scope, rnd)
        scanned = {row[0]: row[1:] for row in scan_sql()}
        mismatched = []
        for row in offices:
            key = row.unit.path.split("/")[2]
            got = (row.due, row.tested, row.exempt, row.resulted, row.positive, row.retest)
            if tuple(scanned.get(key, (0,) * 6)) != got:
                mismatched.append(row.label)
        same_total = totals.due == sum(v[0] for v in scanned.values()) and totals.tested == sum(
            v[1] for v in scanned.values()
        )
        print(
            f"coverage_by_office == full scan per office ({len(offices)} offices; district {totals.tested:,}/"
            f"{totals.due:,} = {totals.percent}%): {not mismatched and same_total}"
            + (f" (differ: {', '.join(mismatched)})" if mismatched else "")
        )
        ok &= not mismatched and same_total
        assert grid.level == Level.GRID
    finally:
        if os.environ.get("BENCH_KEEP") != "1":
            started = time.perf_counter()
            delete_round(rnd.pk)
            print(f"(round deleted in {time.perf_counter() - started:.1f} s)")
    print("PASS" if ok else "FAIL: the counters do not equal a full recount")
    return ok
