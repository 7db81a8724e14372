"""Every home and list page a district admin and an office leader open, and the duplicates page.

For `admin` (district) and `zhenggang` (one office): GET each page of LIST_PAGES through
django.test.Client with force_login, 3 warm-up requests then BENCH_LIST_N (default BENCH_N,
else 50) timed ones. Pages of a round use the newest round the login sees. Prints p50, p95 and
max in milliseconds, the SQL queries one request makes, and PASS/FAIL against p95 < 300 ms
(1 s for the duplicates page, timed BENCH_DUP_N times, default 10). A page the login may not open (403) is reported as "n/a"; a URL
that does not exist is SKIP. BENCH_LIST_ONLY=people,buildings runs only those labels.
"""

from __future__ import annotations

import math
import os
import time

TARGET_P95_MS = 300.0
TARGETS = {"duplicates": 1000.0, "duplicates phone": 1000.0, "duplicates near id": 1000.0}
WARMUP = 3
USERNAMES = ["admin", "zhenggang"]

# (label, URL name, what the URL needs: "" nothing, "round" the newest round, "unit" the
# jurisdiction, "?…" a query string)
LIST_PAGES: list[tuple[str, str, str]] = [
    ("home", "core:home", ""),
    ("tree", "org:tree", ""),
    ("leaderless", "org:leaderless", ""),
    ("staff", "roster:staff_list", ""),
    ("groups", "roster:group_list", ""),
    ("users", "accounts:user_list", ""),
    ("audit", "audit:event_list", ""),
    ("search", "registry:search", ""),
    ("people", "registry:people", ""),
    ("buildings", "registry:buildings", ""),
    ("my grid", "registry:my_grid", ""),
    ("rentals", "registry:rental_list", ""),
    ("unvisited", "registry:unvisited", ""),
    ("follow-ups", "registry:follow_ups", ""),
    ("party links", "registry:party_links", ""),
    ("registry imports", "registry:import_list", ""),
    ("held rows", "registry:held_index", ""),
    ("duplicates", "registry:duplicates", ""),
    ("duplicates phone", "registry:duplicates", "?kind=phone"),
    ("duplicates near id", "registry:duplicates", "?kind=near_id"),
    ("rounds", "testing:rounds", ""),
    ("dues", "testing:dues", "round"),
    ("untested", "testing:untested", "round"),
    ("sites", "testing:sites", "round"),
    ("boxes", "testing:boxes", "round"),
    ("coverage", "testing:coverage", "round"),
    ("retests", "testing:retests", "round"),
    ("conflicts", "testing:conflicts", "round"),
    ("alerts", "testing:alerts", ""),
    ("outbox", "testing:outbox", ""),
    ("screening", "screening:overview", ""),
    ("measures", "screening:measures", ""),
    ("orders", "screening:orders", ""),
    ("follow-up", "screening:followup", ""),
    ("overdue", "screening:overdue", ""),
    ("escalations", "screening:escalations", ""),
    ("services", "screening:services", ""),
    ("records", "screening:records", ""),
    ("self-reports", "screening:self_reports", ""),
    ("screening imports", "screening:imports", ""),
    ("risk areas", "screening:risk_areas", ""),
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def newest_round(user):
    from wangge.core.access import scope_of
    from wangge.testing.models import Round

    scope = scope_of(user)
    for r in Round.objects.order_by("-id")[:50]:
        if scope.overlaps_path(r.path):
            return r
    return None


def refresh_duplicates() -> None:
    """The duplicates page reads candidates a background scan computed: compute them first
    (as `manage.py refresh_duplicates` or the page's button would) and say how long it took."""
    try:
        from wangge.registry.people import candidates, dedupe
    except ImportError:  # a tree from before the scans: the page computes on every view
        return
    for kind in dedupe.KINDS:
        started = time.perf_counter()
        scan = candidates.request_refresh(kind)
        print(
            f"duplicates scan {kind}: {scan.status}, {scan.groups} groups, {time.perf_counter() - started:.1f} s"
        )


def main() -> bool:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from wangge.accounts.models import User
    from wangge.demo.tables import render_table

    if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append("testserver")
    n = int(os.environ.get("BENCH_LIST_N", os.environ.get("BENCH_N", "50")))
    dup_n = int(os.environ.get("BENCH_DUP_N", "10"))
    only = {s.strip() for s in os.environ.get("BENCH_LIST_ONLY", "").split(",") if s.strip()}
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    refresh_duplicates()
    rows = []
    ok = True
    for username in USERNAMES:
        user = User.objects.select_related("jurisdiction").get(username=username)
        client = Client()
        client.force_login(user)
        round_ = None
        for label, url_name, needs in LIST_PAGES:
            if only and label not in only:
                continue
            kwargs = None
            if needs == "round":
                round_ = round_ or newest_round(user)
                if round_ is None:
                    rows.append((username, label, url_name, "", "", "", "", "SKIP (no round)"))
                    continue
                kwargs = {"round_id": round_.pk}
            elif needs == "unit":
                kwargs = {"unit_id": user.jurisdiction_id}
            try:
                url = reverse(url_name, kwargs=kwargs) + (needs if needs.startswith("?") else "")
            except NoReverseMatch:
                rows.append((username, label, url_name, "", "", "", "", "SKIP (no such URL)"))
                continue
            try:
                for _ in range(WARMUP):
                    status = client.get(url).status_code
                if status == 403:
                    rows.append((username, label, url, "", "", "", "", "n/a (403)"))
                    continue
                with CaptureQueriesContext(connection) as ctx:
                    status = client.get(url).status_code
                queries = len(ctx.captured_queries)
                timings, statuses = [], {status}
                for _ in range(dup_n if label.startswith("duplicates") else n):
                    started = time.perf_counter()
                    statuses.add(client.get(url).status_code)
                    timings.append((time.perf_counter() - started) * 1000)
            except Exception as exc:
                rows.append(
                    (username, label, url, "", "", "", "", f"FAIL ({type(exc).__name__}: {exc})"[:80])
                )
                ok = False
                continue
            p50, p95, worst = percentile(timings, 50), percentile(timings, 95), max(timings)
            target = TARGETS.get(label, TARGET_P95_MS)
            bad = statuses - {200}
            passed = p95 < target and not bad
            verdict = "PASS" if passed else "FAIL"
            if bad:
                verdict += f" (status {', '.join(map(str, sorted(statuses)))})"
            ok = ok and passed
            rows.append((username, label, url, f"{p50:.1f}", f"{p95:.1f}", f"{worst:.1f}", queries, verdict))
            print(
                f"  {username} {label}: p50 {p50:.1f} p95 {p95:.1f} ms, {queries} queries, {verdict}",
                flush=True,
            )
    print(
        f"{n} requests each after {WARMUP} warm-up; target p95 < {TARGET_P95_MS:.0f} ms "
        f"(duplicates < {TARGETS['duplicates']:.0f} ms)"
    )
    print(render_table(["login", "page", "url", "p50 ms", "p95 ms", "max ms", "queries", "verdict"], rows))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return ok
