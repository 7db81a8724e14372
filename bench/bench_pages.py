"""Page timings: the home page, the tree and a unit page, for three kinds of login.

For each of `admin` (district), `zhenggang` (office) and `wanggezhang` (one grid): GET `/`,
`/org/` and `/org/<id>/` of the login's own jurisdiction through django.test.Client with
force_login, 10 warm-up requests then BENCH_N (default 200) timed ones. Prints p50, p95 and
max in milliseconds, the SQL queries one request makes, and PASS/FAIL against p95 < 300 ms
(a page that does not answer 200 fails too; a page whose URL does not exist yet is skipped).
"""

from __future__ import annotations

import math
import os
import time

TARGET_P95_MS = 300.0
WARMUP = 10
USERNAMES = ["admin", "zhenggang", "wanggezhang"]
PAGES = [("home", "core:home"), ("tree", "org:tree"), ("unit", "org:unit_detail")]


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def measure(client, url: str, n: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARMUP):
        client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        status = client.get(url).status_code
    queries = len(ctx.captured_queries)  # read now: the next request clears the connection's log
    timings = []
    statuses = {status}
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        statuses.add(response.status_code)
    return {"timings": timings, "queries": queries, "statuses": statuses}


def main() -> bool:
    from django.conf import settings
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from wangge.accounts.models import User
    from wangge.demo.tables import render_table

    if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append("testserver")
    n = int(os.environ.get("BENCH_N", "200"))
    rows = []
    ok = True
    for username in USERNAMES:
        user = User.objects.select_related("jurisdiction").get(username=username)
        client = Client()
        client.force_login(user)
        for label, url_name in PAGES:
            try:
                url = reverse(url_name, kwargs={"unit_id": user.jurisdiction_id} if label == "unit" else None)
            except NoReverseMatch:
                rows.append((username, label, url_name, "", "", "", "", "SKIP (no such URL yet)"))
                continue
            try:
                result = measure(client, url, n)
            except Exception as exc:  # a page under construction may still raise
                rows.append(
                    (username, label, url, "", "", "", "", f"FAIL ({type(exc).__name__}: {exc})"[:80])
                )
                ok = False
                continue
            t = result["timings"]
            p50, p95, worst = percentile(t, 50), percentile(t, 95), max(t)
            bad_status = result["statuses"] - {200}
            passed = p95 < TARGET_P95_MS and not bad_status
            verdict = "PASS" if passed else "FAIL"
            if bad_status:
                verdict += f" (status {', '.join(map(str, sorted(result['statuses'])))})"
            ok = ok and passed
            rows.append(
                (username, label, url, f"{p50:.1f}", f"{p95:.1f}", f"{worst:.1f}", result["queries"], verdict)
            )
    print(f"{n} requests each after {WARMUP} warm-up; target p95 < {TARGET_P95_MS:.0f} ms")
    print(render_table(["login", "page", "url", "p50 ms", "p95 ms", "max ms", "queries", "verdict"], rows))
    return ok
