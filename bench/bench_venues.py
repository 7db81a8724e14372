"""The district's list of venues at 20,000 venues (issue 15's target: p95 < 300 ms).

Adds venues to the demo district until it holds BENCH_VENUES (default 20,000), spread over its
level-3 grids and kinds (bulk-created once, tagged in their note, kept for later runs), then, as
the district administrator `admin` and the office leader `zhenggang`, GETs /venues/ (the first
page, and filtered by kind, by risk level and by a village) through django.test.Client: 3 warm-up
requests, then BENCH_N (default 50) timed ones. Prints p50, p95 and max in milliseconds, the SQL
queries one request makes and, for comparison, the raw query floor: the page's own SQL (count
capped, first page) run directly on a cursor, without Django's views and templates.
"""

from __future__ import annotations

import math
import os
import random
import time

TARGET_P95_MS = 300.0
WARMUP = 3
TAG = "bench-venues"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def ensure_venues(total: int) -> int:
    from django.db import transaction

    from wangge.org.models import Level, OrgUnit
    from wangge.venues.models import RiskLevel, Venue, VenueKind

    have = Venue.objects.count()
    if have >= total:
        return have
    rng = random.Random(20220329)
    grids = list(OrgUnit.objects.filter(level=Level.GRID, closed_at__isnull=True).values_list("id", "path"))
    kinds = list(VenueKind.objects.values_list("id", "name"))
    risks = [RiskLevel.LOW] * 6 + [RiskLevel.MEDIUM] * 3 + [RiskLevel.HIGH]
    batch = []
    started = time.perf_counter()
    with transaction.atomic():
        for i in range(have, total):
            grid_id, path = grids[rng.randrange(len(grids))]
            kind_id, kind_name = kinds[rng.randrange(len(kinds))]
            batch.append(
                Venue(
                    kind_id=kind_id,
                    grid_id=grid_id,
                    path=path,
                    name=f"{kind_name.split('/')[0]}{i:05d}",
                    address=f"航空港区第{i % 400}街{i}号",
                    responsible_name="负责人",
                    responsible_phone=f"139{i:08d}",
                    staff_count=rng.randrange(1, 80),
                    risk_level=risks[rng.randrange(len(risks))],
                    note=TAG,
                )
            )
            if len(batch) >= 5000:
                Venue.objects.bulk_create(batch)
                batch = []
        if batch:
            Venue.objects.bulk_create(batch)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE venues_venue")
    print(f"created {total - have} venues in {time.perf_counter() - started:.1f} s")
    return total


def raw_floor(user, n: int) -> float:
    """p95 of the list's own two statements (capped count, first page with kind and grid)."""
    from django.conf import settings
    from django.db import connection

    from wangge.core.access import scope_of
    from wangge.venues import selectors

    qs = (
        selectors.venues_in_scope(scope_of(user))
        .select_related("kind", "grid")
        .order_by("path", "name", "id")
    )
    cap = int(getattr(settings, "WANGGE_COUNT_CAP", 1000))
    count_sql, count_params = qs.values("id")[: cap + 1].query.sql_with_params()
    page_sql, page_params = qs[: settings.WANGGE_PAGE_SIZE].query.sql_with_params()
    timings = []
    with connection.cursor() as cursor:
        for i in range(WARMUP + n):
            started = time.perf_counter()
            cursor.execute(f"SELECT COUNT(*) FROM ({count_sql}) AS sub", count_params)  # noqa: S608
            cursor.fetchall()
            cursor.execute(page_sql, page_params)
            cursor.fetchall()
            if i >= WARMUP:
                timings.append((time.perf_counter() - started) * 1000)
    return percentile(timings, 95)


def main() -> bool:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from wangge.accounts.models import User
    from wangge.demo.tables import render_table
    from wangge.org.models import Level, OrgUnit
    from wangge.venues.models import VenueKind

    if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append("testserver")
    n = int(os.environ.get("BENCH_N", "50"))
    total = ensure_venues(int(os.environ.get("BENCH_VENUES", "20000")))
    hotel = VenueKind.objects.get(code="hotel").pk
    rows, ok = [], True
    for username in ("admin", "zhenggang"):
        user = User.objects.select_related("jurisdiction").get(username=username)
        village = (
            OrgUnit.objects.filter(level=Level.VILLAGE, path__startswith=user.jurisdiction.path)
            .order_by("path")
            .first()
        )
        client = Client()
        client.force_login(user)
        pages = [
            ("first page", "/venues/"),
            ("kind", f"/venues/?kind={hotel}"),
            ("high risk", "/venues/?risk=high"),
        ]
        if village is not None:
            pages.append(("village", f"/venues/?unit={village.pk}"))
        for label, url in pages:
            for _ in range(WARMUP):
                client.get(url)
            with CaptureQueriesContext(connection) as ctx:
                status = client.get(url).status_code
            queries = len(ctx.captured_queries)  # now: each request clears the log when it starts
            timings = []
            for _ in range(n):
                started = time.perf_counter()
                client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
            p50, p95, worst = percentile(timings, 50), percentile(timings, 95), max(timings)
            passed = status == 200 and p95 < TARGET_P95_MS
            ok = ok and passed
            rows.append((username, label, f"{p50:.1f}", f"{p95:.1f}", f"{worst:.1f}", queries,
                         "PASS" if passed else f"FAIL ({status})"))  # fmt: skip
        rows.append((username, "raw query floor", "", f"{raw_floor(user, n):.1f}", "", 2, ""))
    print(f"{total} venues; {n} requests each after {WARMUP} warm-up; target p95 < {TARGET_P95_MS:.0f} ms")
    print(render_table(["login", "venues list", "p50 ms", "p95 ms", "max ms", "queries", "verdict"], rows))
    return ok
