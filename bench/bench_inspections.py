"""Venue inspections at district scale (issue 15, item 8): 20,000 venues, 200,000 inspections
with their answers (about 2,000,000 rows), 50,000 rectification orders, made straight in SQL
(INSERT … SELECT over generate_series) on the demo district's grids.

Times, each beside a raw floor measured in the same run:
1. the overdue-orders list for the district (count + first page, and the page itself through
   django.test.Client): p95 < 300 ms; floor: the bare count in SQL;
2. a campaign's summary (9 venues, answered through the services): < 100 ms; floor: one SQL count;
3. the data checks of one inspection (a school: disinfection log, staff tested, placards,
   visitor register): < 50 ms; floor: one `SELECT 1` per check;
4. syncing 50 offline inspections from one phone (≈600 operations, one POST to the sync API):
   < 2 s; floor: the same number of single-row UPDATEs in one transaction;
5. the home's "venues due for inspection" count, district-wide (one query, capped at 1000):
   < 100 ms; floor: the bare count of open venues; the full due list measured beside it.
Everything inserted is deleted at the end (BENCH_KEEP=1 keeps it).
"""

from __future__ import annotations

import math
import os
import time
import uuid
from datetime import date, timedelta

VENUES = int(os.environ.get("BENCH_INSP_VENUES", "20000"))
INSPECTIONS = int(os.environ.get("BENCH_INSP_INSPECTIONS", "200000"))
ORDERS = int(os.environ.get("BENCH_INSP_ORDERS", "50000"))
N = int(os.environ.get("BENCH_N", "100"))
MARK = "bench-insp-"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def timed(fn, n: int, warmup: int = 5) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def line(name: str, values: list[float], floor: list[float], target: float) -> bool:
    p95, fp95 = percentile(values, 95), percentile(floor, 95)
    ok = p95 < target
    print(
        f"  {name}: p50 {percentile(values, 50):.1f} ms, p95 {p95:.1f} ms (target < {target:.0f} ms) "
        f"— floor p95 {fp95:.1f} ms  {'OK' if ok else 'SLOW'}"
    )
    return ok


def fill(cursor, today: date) -> None:
    from wangge.inspections.checklists.services import load_defaults
    from wangge.org.models import Level, OrgUnit
    from wangge.venues.models import VenueKind

    kinds = [
        ("hotel", "酒店", "hotel"), ("restaurant", "饭店", "restaurant"), ("supermarket", "超市", "supermarket"),
        ("middle_school", "中学", "middle school"), ("primary_school", "小学", "primary school"),
        ("street_shop", "临街门店", "street shop"),
    ]  # fmt: skip
    for i, (code, name, en) in enumerate(kinds):
        VenueKind.objects.get_or_create(code=code, defaults={"name": name, "name_en": en, "order": i * 10})
    load_defaults()
    grids = list(
        OrgUnit.objects.filter(level=Level.GRID, closed_at__isnull=True).values_list("id", flat=True)
    )
    started = time.perf_counter()
    cursor.execute(
        """
        WITH g AS (SELECT id, path, row_number() OVER (ORDER BY id) - 1 AS rn FROM org_orgunit WHERE id = ANY(%s)),
             k AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS rn FROM venues_venuekind
                   WHERE code IN ('hotel','restaurant','supermarket','middle_school','primary_school','street_shop'))
        INSERT INTO venues_venue (kind_id, name, address, grid_id, responsible_name, responsible_phone,
            enterprise_code, staff_count, risk_level, status, note, created_at, path)
        SELECT k.id, %s || s, '', g.id, '负责人', '', '', 10, CASE WHEN s %% 10 = 0 THEN 'high' ELSE 'low' END,
               'open', '', now(), g.path
        FROM generate_series(1, %s) s
        JOIN g ON g.rn = s %% %s
        JOIN k ON k.rn = s %% 6
        """,
        [grids, MARK, VENUES, len(grids)],
    )
    cursor.execute(
        """
        WITH v AS (SELECT v.id, v.path, t.id AS template_id, row_number() OVER (ORDER BY v.id) - 1 AS rn
                   FROM venues_venue v JOIN inspections_checklisttemplate t ON t.kind_id = v.kind_id AND t.is_current
                   WHERE v.name LIKE %s)
        INSERT INTO inspections_inspection (path, venue_id, template_id, kind, on_date, status, score, max_score,
            verdict, created_at)
        SELECT v.path, v.id, v.template_id, 'planned', %s::date - (s %% 365), 'signed', 100, 110,
               CASE WHEN s %% 4 = 0 THEN 'fail' ELSE 'pass' END, now()
        FROM generate_series(1, %s) s JOIN v ON v.rn = s %% %s
        """,
        [MARK + "%", today, INSPECTIONS, VENUES],
    )
    cursor.execute(
        """
        INSERT INTO inspections_answer (inspection_id, item_id, position, section, text, points, critical,
            photo_on_fail, note_on_fail, data_check, check_days, evidence, suggested, result, note)
        SELECT i.id, it.id, it.position, it.section, it.text, it.points, it.critical, it.photo_on_fail,
               it.note_on_fail, it.data_check, it.check_days, '', '',
               CASE WHEN i.verdict = 'fail' AND it.critical THEN 'fail' ELSE 'pass' END, ''
        FROM inspections_inspection i JOIN venues_venue v ON v.id = i.venue_id AND v.name LIKE %s
        JOIN inspections_checklistitem it ON it.template_id = i.template_id
        """,
        [MARK + "%"],
    )
    cursor.execute(
        """
        INSERT INTO inspections_order (path, office_id, year, number, venue_id, inspection_id, what, immediate,
            deadline, responsible_name, suspends_venue, status, extensions, extension_reason, created_at)
        SELECT i.path, split_part(i.path, '/', 3)::bigint, 1999, row_number() OVER (ORDER BY i.id), i.venue_id, i.id,
               '消杀记录不详', true, %s::date - 60 + (row_number() OVER (ORDER BY i.id) %% 90)::int, '', false,
               CASE WHEN i.id %% 5 = 0 THEN 'closed' ELSE 'open' END, 0, '', now()
        FROM inspections_inspection i JOIN venues_venue v ON v.id = i.venue_id AND v.name LIKE %s
        WHERE i.verdict = 'fail'
        ORDER BY i.id LIMIT %s
        """,
        [today, MARK + "%", ORDERS],
    )
    cursor.execute(
        "ANALYZE venues_venue; ANALYZE inspections_inspection; ANALYZE inspections_answer; ANALYZE inspections_order"
    )
    print(
        f"  made {VENUES} venues, {INSPECTIONS} inspections with answers, {ORDERS} orders in {time.perf_counter() - started:.1f} s"
    )


def cleanup(cursor) -> None:
    cursor.execute(
        "DELETE FROM inspections_order WHERE venue_id IN (SELECT id FROM venues_venue WHERE name LIKE %s)",
        [MARK + "%"],
    )
    cursor.execute(
        """DELETE FROM inspections_photo WHERE answer_id IN (SELECT a.id FROM inspections_answer a
           JOIN inspections_inspection i ON i.id = a.inspection_id JOIN venues_venue v ON v.id = i.venue_id
           WHERE v.name LIKE %s)""",
        [MARK + "%"],
    )
    cursor.execute(
        """DELETE FROM inspections_answer WHERE inspection_id IN (SELECT i.id FROM inspections_inspection i
           JOIN venues_venue v ON v.id = i.venue_id WHERE v.name LIKE %s)""",
        [MARK + "%"],
    )
    cursor.execute(
        "DELETE FROM inspections_venuewatch WHERE venue_id IN (SELECT id FROM venues_venue WHERE name LIKE %s)",
        [MARK + "%"],
    )
    cursor.execute(
        "DELETE FROM inspections_inspection WHERE venue_id IN (SELECT id FROM venues_venue WHERE name LIKE %s)",
        [MARK + "%"],
    )
    cursor.execute(
        "DELETE FROM inspections_campaignstop WHERE venue_id IN (SELECT id FROM venues_venue WHERE name LIKE %s)",
        [MARK + "%"],
    )
    cursor.execute("DELETE FROM inspections_campaign WHERE name LIKE %s", [MARK + "%"])
    cursor.execute(
        "DELETE FROM venues_disinfectionentry WHERE venue_id IN (SELECT id FROM venues_venue WHERE name LIKE %s)",
        [MARK + "%"],
    )
    cursor.execute("DELETE FROM venues_venue WHERE name LIKE %s", [MARK + "%"])


def main() -> bool:
    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from wangge.accounts.models import User
    from wangge.core.access import SYSTEM, scope_of
    from wangge.inspections.campaigns.services import create_campaign
    from wangge.inspections.campaigns.summary import summarise
    from wangge.inspections.inspecting import services as inspecting
    from wangge.inspections.models import Answer, Campaign, ChecklistTemplate
    from wangge.inspections.orders import selectors as orders
    from wangge.org.models import Level, OrgUnit
    from wangge.venues.models import DisinfectionEntry, Venue

    settings.WANGGE_PRIVATE_ROOT = settings.VAR_DIR / "bench-private"
    today = timezone.localdate()
    ok = True
    with connection.cursor() as cursor:
        cleanup(cursor)
        fill(cursor, today)
    try:
        admin = User.objects.get(username="admin")
        scope = scope_of(admin)

        # 1. overdue orders, district-wide: what the page does (a count and the first page).
        def overdue():
            qs = orders.overdue(scope)
            qs.count()
            list(qs[:50])

        def floor_count():
            with connection.cursor() as c:
                c.execute(
                    "SELECT count(*) FROM inspections_order WHERE status = 'open' AND deadline < %s", [today]
                )
                c.fetchone()

        print(f"  overdue orders in the district: {orders.overdue(scope).count()}")
        ok &= line("overdue-orders list (selector)", timed(overdue, N), timed(floor_count, N), 300)
        client = Client()
        client.force_login(admin)
        ok &= line(
            "overdue-orders page /inspections/orders/?show=overdue",
            timed(lambda: client.get("/inspections/orders/?show=overdue"), max(20, N // 5)),
            timed(floor_count, max(20, N // 5)),
            300,
        )

        # 5. the home's "venues due" item: one capped count over 20,000 venues.
        from wangge.inspections.campaigns import selectors as campaign_selectors

        def floor_venues():
            with connection.cursor() as c:
                c.execute("SELECT count(*) FROM venues_venue WHERE status <> 'closed'")
                c.fetchone()

        with CaptureQueriesContext(connection) as queries:
            due_n = campaign_selectors.due_count(scope)
        print(f"  venues due (home item, capped): {due_n} in {len(queries.captured_queries)} query")
        ok &= line(
            "venues-due home item (count)",
            timed(lambda: campaign_selectors.due_count(scope), N),
            timed(floor_venues, N),
            100,
        )
        uncapped = timed(lambda: campaign_selectors.due_count(scope, cap=10**9), 10, warmup=1)
        print(
            f"  (uncapped count, {campaign_selectors.due_count(scope, cap=10**9)} due: p50 {percentile(uncapped, 50):.0f} ms)"
        )
        full = timed(lambda: campaign_selectors.due_for_inspection(scope, limit=1000), 5, warmup=1)
        print(f"  (the full due list, as the home item counted before: p50 {percentile(full, 50):.0f} ms)")

        # 2. a campaign's summary.
        office = OrgUnit.objects.filter(level=Level.OFFICE).order_by("id").first()
        venues = list(
            Venue.objects.filter(name__startswith=MARK, path__startswith=office.path).order_by("id")[:9]
        )
        campaign = create_campaign(
            actor=SYSTEM,
            scope=scope_of(SYSTEM),
            unit=office,
            name=MARK + "campaign",
            on_date=today,
            venues=venues,
        )
        for n, i in enumerate(campaign.inspections.all()):
            for a in i.answers.all():
                bad = n % 3 == 0 and a.text == "员工健康动态管理档案是否建立"
                inspecting.answer_now(actor=SYSTEM, scope=scope_of(SYSTEM), inspection=i, item_id=a.item_id,
                                      result="fail" if bad else "pass", note="不全" if bad else "")  # fmt: skip
            inspecting.submit_now(actor=SYSTEM, scope=scope_of(SYSTEM), inspection=i)
        print("  " + summarise(campaign).zh)

        def floor_campaign():
            with connection.cursor() as c:
                c.execute("SELECT count(*) FROM inspections_inspection WHERE campaign_id = %s", [campaign.pk])
                c.fetchone()

        ok &= line("campaign summary", timed(lambda: summarise(campaign), N), timed(floor_campaign, N), 100)

        # 3. data checks of one inspection (a school: all four checks).
        school = Venue.objects.filter(name__startswith=MARK, kind__code="middle_school").first()
        DisinfectionEntry.objects.bulk_create(
            [
                DisinfectionEntry(venue=school, done_on=today - timedelta(days=d), area="教室")
                for d in range(0, 30, 2)
            ]
        )
        template = ChecklistTemplate.objects.get(kind=school.kind, is_current=True)
        answers = [
            Answer(item=it, data_check=it.data_check, check_days=it.check_days, text=it.text)
            for it in template.items.all()
        ]

        def one_select():
            with connection.cursor() as c:
                for _ in range(4):
                    c.execute("SELECT 1")

        ok &= line(
            "data checks of one inspection", timed(lambda: inspecting.prefill(school, today, answers), N),
            timed(one_select, N), 50,
        )  # fmt: skip

        # 4. sync 50 offline inspections from one phone.
        pool = list(Venue.objects.filter(name__startswith=MARK).order_by("-id")[: 50 * 5])
        inspector = admin
        sync_client = Client()
        sync_client.force_login(inspector)
        times, floors = [], []
        for round_no in range(5):
            batch = [
                inspecting.start_inspection(actor=SYSTEM, venue=v, check_data=False)
                for v in pool[round_no * 50 : (round_no + 1) * 50]
            ]
            ops = []
            for n, i in enumerate(batch):
                for a in i.answers.all():
                    bad = n % 4 == 0 and a.text == "员工健康动态管理档案是否建立"
                    ops.append({"opid": str(uuid.uuid4()), "kind": "answer", "inspection": i.pk, "item": a.item_id,
                                "result": "fail" if bad else "pass", "note": "不全" if bad else "",
                                "client_id": str(uuid.uuid4())})  # fmt: skip
                ops.append({"opid": str(uuid.uuid4()), "kind": "submit", "inspection": i.pk, "days": 3})
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = sync_client.post(
                    "/api/v1/inspections/sync", {"ops": ops}, content_type="application/json"
                )
            times.append((time.perf_counter() - started) * 1000)
            if round_no == 0:
                slow = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:4]
                print(f"  one sync: {len(queries.captured_queries)} queries; slowest:")
                for q in slow:
                    print(f"    {float(q['time']) * 1000:.1f} ms  {q['sql'][:160]}")
            results = response.json()["results"]
            assert response.status_code == 200 and all(r["ok"] for r in results), results[:3]
            ids = list(Answer.objects.filter(inspection__in=batch).values_list("id", flat=True))
            started = time.perf_counter()
            with transaction.atomic(), connection.cursor() as c:
                for pk in ids:
                    c.execute("UPDATE inspections_answer SET note = note WHERE id = %s", [pk])
            floors.append((time.perf_counter() - started) * 1000)
        print(f"  ({len(ops)} operations per sync)")
        ok &= line("sync of 50 offline inspections", times, floors, 2000)
    finally:
        if os.environ.get("BENCH_KEEP") != "1":
            with connection.cursor() as cursor:
                cleanup(cursor)
            Campaign.objects.filter(name__startswith=MARK).delete()
    return bool(ok)
