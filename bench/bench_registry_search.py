"""Person search and a grid's people list, at the registry's size (BENCH_PEOPLE=1000000).

Times `wangge.registry.people.search.search(scope, q)` (the search page's and the API's function:
people, plus households for Chinese text) for a district admin (`admin`, the whole district)
and a grid leader (`wanggezhang`, one grid), with queries drawn from that scope's own people
(fixed random seed): a whole name (CJK, three characters or more: trigram), the first two
characters of a name (CJK prefix), pinyin initials, the last 4 digits of an ID number, a full
ID number, the last 7 digits of a phone, and an address. Then the people list of one grid:
`selectors.people(scope)` under the grid's path, ordered as the model orders it (path, name,
id), first page of 50, and its count (a paginated page needs both).

BENCH_SEARCH_N queries per kind (default 200, after 10 warm-up). Prints p50/p95/max in ms, and
for one query of each kind EXPLAIN ANALYZE's verdict: the indexes used, or "no index" (a
sequential scan). PASS when every p95 < 100 ms.
"""

from __future__ import annotations

import math
import os
import random
import re
import time

TARGET_P95_MS = 100.0
WARMUP = 10
PAGE = 50
USERNAMES = ["admin", "wanggezhang"]
TIMED = "wangge.registry.people.search.search(scope, q)"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def samples(scope, n: int, rng: random.Random) -> dict[str, list[str]]:
    """Queries of each kind, from people (and households) of the scope."""
    from wangge.registry import selectors

    qs = selectors.people(scope, include_departed=True)
    top = qs.order_by("-id").values_list("id", flat=True).first() or 0
    low = qs.order_by("id").values_list("id", flat=True).first() or 0
    rows = []
    tries = 0
    while len(rows) < n and tries < 20:
        tries += 1
        ids = [rng.randint(low, top) for _ in range(n * 3)]
        rows += list(
            qs.filter(id__in=ids).values_list(
                "name", "name_initials", "id_number", "phone", "household__address"
            )
        )
    rows = rows[:n]
    rng.shuffle(rows)
    phones = [r[3] for r in rows if r[3]] or ["13800000000"]
    addresses = []
    for r in rows:
        address = r[4] or ""
        parts = address.split(" ")
        # "航海路88号锦绣翠园小区 3号楼 2单元 1502" → "3号楼 2单元 1502" (a flat) or the street part
        addresses.append(" ".join(parts[1:]) if len(parts) >= 3 and rng.random() < 0.5 else parts[0])
    return {
        "name (whole, CJK)": [r[0] if len(r[0]) >= 3 else r[0] for r in rows],
        "name prefix (2 CJK)": [r[0][:2] for r in rows],
        "pinyin initials": [r[1] for r in rows],
        "ID last 4": [r[2][-4:] for r in rows],
        "ID full": [r[2] for r in rows],
        "phone last 7": [phones[i % len(phones)][-7:] for i in range(len(rows))],
        "address": [a for a in addresses if len(a) >= 2] or ["路"],
    }


def explain(scope, q: str) -> str:
    """The indexes the main people query of search(q) uses, from EXPLAIN ANALYZE."""
    from wangge.registry import selectors
    from wangge.registry.people import search

    base = selectors.people(scope, include_departed=True)
    qs = search.filter_people(base, q).order_by("-is_active", "name", "id")[:31]
    plan = qs.explain(analyze=True)
    used = sorted(set(re.findall(r"Index(?: Only)? Scan (?:Backward )?(?:using|on) (\w+)", plan)))
    used += sorted(set(re.findall(r"Bitmap Index Scan on (\w+)", plan)) - set(used))
    seq = "Seq Scan" in plan
    ms = re.search(r"Execution Time: ([\d.]+) ms", plan)
    verdict = ", ".join(used) if used else "no index"
    if seq:
        verdict += " + Seq Scan"
    return f"{verdict} ({ms.group(1) if ms else '?'} ms)"


def time_calls(fn, args: list, n: int) -> list[float]:
    for a in args[:WARMUP]:
        fn(a)
    timings = []
    for i in range(n):
        a = args[i % len(args)]
        started = time.perf_counter()
        fn(a)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def main() -> bool:
    from wangge.accounts.models import User
    from wangge.core.access import scope_of
    from wangge.demo.tables import render_table
    from wangge.org.models import Level, OrgUnit
    from wangge.registry import selectors
    from wangge.registry.models import Person

    try:
        from wangge.registry.people.search import search
    except ImportError:  # pragma: no cover - the search module is not there yet
        search = None
    n = int(os.environ.get("BENCH_SEARCH_N", "200"))
    total = Person.objects.count()
    print(f"registry: {total:,} people; timing {TIMED if search else 'plain ORM filters (no search module)'}")
    rng = random.Random(20220328)
    rows = []
    ok = True
    for username in USERNAMES:
        user = User.objects.select_related("jurisdiction").get(username=username)
        scope = scope_of(user)
        queries = samples(scope, n, rng)
        for kind, qs in queries.items():
            if search is not None:
                timings = time_calls(lambda q, scope=scope: search(scope, q), qs, n)
            else:
                timings = time_calls(
                    lambda q, scope=scope: list(selectors.people(scope).filter(name__contains=q)[:31]), qs, n
                )
            p50, p95, worst = percentile(timings, 50), percentile(timings, 95), max(timings)
            verdict = explain(scope, qs[0])
            passed = p95 < TARGET_P95_MS
            ok = ok and passed
            rows.append(
                (
                    username,
                    kind,
                    f"{p50:.1f}",
                    f"{p95:.1f}",
                    f"{worst:.1f}",
                    verdict[:70],
                    "PASS" if passed else "FAIL",
                )
            )
        # the people list of one grid: the login's own grid, or the grid with the most people
        if user.jurisdiction.level == Level.GRID:
            grid = user.jurisdiction
        else:
            grid_id = (
                Person.objects.filter(is_active=True).values("grid_id").order_by()
                .annotate(n=__import__("django.db.models", fromlist=["Count"]).Count("id")).order_by("-n")
                .values_list("grid_id", flat=True).first()
            )  # fmt: skip
            grid = OrgUnit.objects.get(pk=grid_id)
        people = selectors.people(scope).filter(path__startswith=grid.path).order_by("path", "name", "id")

        def page(_x, people=people):
            return list(people[:PAGE])

        def count(_x, people=people):
            return people.count()

        size = people.count()
        for label, fn in ((f"grid list page ({size:,})", page), ("grid list count", count)):
            timings = time_calls(fn, [None], n)
            p50, p95, worst = percentile(timings, 50), percentile(timings, 95), max(timings)
            qs = people[:PAGE] if fn is page else people
            plan = (
                qs.explain(analyze=True)
                if fn is page
                else people.order_by().values("id").explain(analyze=True)
            )
            used = sorted(
                set(
                    re.findall(
                        r"(?:Index(?: Only)? Scan (?:Backward )?using|Bitmap Index Scan on) (\w+)", plan
                    )
                )
            )
            verdict = (", ".join(used) if used else "no index") + (
                " + Seq Scan" if "Seq Scan" in plan else ""
            )
            passed = p95 < TARGET_P95_MS
            ok = ok and passed
            rows.append(
                (
                    username,
                    label,
                    f"{p50:.1f}",
                    f"{p95:.1f}",
                    f"{worst:.1f}",
                    verdict[:70],
                    "PASS" if passed else "FAIL",
                )
            )
    print(
        render_table(
            ["login", "query", "p50 ms", "p95 ms", "max ms", "EXPLAIN ANALYZE: index used", ""], rows
        )
    )
    print(f"{'PASS' if ok else 'FAIL'}: target p95 < {TARGET_P95_MS:.0f} ms for every query kind")
    return ok
