"""Matching an imported 协查 list of 50,000 screened people against the registry (issue 5).

1. Generates BENCH_SCREEN_ROWS (default 50,000) rows: about 70% registry people drawn at random
   from the whole district (name, document, phone as registered), 25% new people (valid resident
   IDs from an area code the demo does not use, with a grid code of the district), 5% repeats of
   rows already in the file (the same person and trip: they must merge). Places: a third from a
   high-risk area, a sixth from a medium one (both listed inside the transaction), the rest from
   elsewhere; arrival 0-12 days ago. Written as xlsx with the template's headers (xlsxwriter).
2. As the district admin (`admin`): `screening.imports.analyse` (the preview: read, validate,
   look up) then `run_import` ("import the valid rows": write people, records, sightings, and
   propose measures), in one transaction rolled back at the end.
Prints rows/s, the counts and the time split. Target < 30 s for preview + import.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

TARGET_S = 30.0
AREA = "440304"  # 深圳市福田区: not an area the demo draws from
PLACES = [
    ("北京市朝阳区望京街道", 3),
    ("上海市浦东新区", 2),
    ("广东省广州市天河区", 3),
    ("河南省开封市", 2),
    ("湖北省武汉市江夏区", 2),
]


def _new_ids(n: int, rng: random.Random, taken: set[str]) -> list[str]:
    from stdnum.cn import ric

    out, seen = [], set()
    while len(out) < n:
        birth = date(1960, 1, 1) + timedelta(days=rng.randint(0, 40 * 365))
        body = f"{AREA}{birth:%Y%m%d}{rng.randrange(0, 999):03d}"
        if body in seen:
            continue
        seen.add(body)
        number = body + ric.calc_check_digit(body + "0")
        if number not in taken:
            out.append(number)
    return out


def make_rows(n: int, rng: random.Random) -> list[list[str]]:
    from django.db import connection

    from wangge.org.models import Level, OrgUnit
    from wangge.registry.models import Person

    existing_n, new_n = int(n * 0.70), int(n * 0.25)
    dup_n = n - existing_n - new_n
    with connection.cursor() as cur:
        cur.execute(
            "SELECT name, id_number, phone FROM registry_person TABLESAMPLE SYSTEM (10) "
            "WHERE is_active AND merged_into_id IS NULL AND id_type = 'resident_id' LIMIT %s",
            [existing_n * 2],
        )
        pool = cur.fetchall()
    rng.shuffle(pool)
    people = pool[:existing_n]
    taken = set(Person.objects.filter(id_number__startswith=AREA).values_list("id_number", flat=True))
    grids = list(
        OrgUnit.objects.filter(level=Level.GRID, closed_at__isnull=True).values_list("code", flat=True)
    )
    places = [p for p, w in PLACES for _ in range(w)]
    today = date.today()
    rows = []
    for name, number, phone in people:
        arrival = today - timedelta(days=rng.randint(0, 12))
        rows.append([name, number, phone or "", rng.choice(places), arrival.isoformat(), "", ""])
    for number in _new_ids(new_n, rng, taken):
        arrival = today - timedelta(days=rng.randint(0, 12))
        rows.append(
            [
                "新" + rng.choice("张王李赵刘陈杨黄") + rng.choice("伟芳娜敏静丽强磊军洋"),
                number,
                f"139{rng.randrange(10**8):08d}",
                rng.choice(places),
                arrival.isoformat(),
                f"{rng.randint(1, 30)}号楼{rng.randint(1, 6)}单元{rng.randint(101, 2602)}",
                rng.choice(grids),
            ]
        )
    rows.extend(list(rng.choice(rows)) for _ in range(dup_n))
    rng.shuffle(rows)
    return rows


def write_xlsx(rows: list[list[str]], path: Path) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("协查")
    sheet.write_row(0, 0, ["姓名", "证件号码", "手机号", "来自", "抵达日期", "现住址", "网格"])
    for r, row in enumerate(rows, 1):
        sheet.write_row(r, 0, row)
    book.close()


def main() -> bool:
    from django.db import transaction

    from wangge.accounts.models import User
    from wangge.demo.tables import render_table
    from wangge.registry.models import Person
    from wangge.screening.intake import lists as imports
    from wangge.screening.models import Measure, RiskArea, ScreeningRecord, ScreeningSighting

    n = int(os.environ.get("BENCH_SCREEN_ROWS", "50000"))
    rng = random.Random(20220328)
    user = User.objects.get(username="admin")
    registry_size = Person.objects.count()
    with tempfile.TemporaryDirectory(prefix="wangge-bench-screen-") as tmp:
        started = time.perf_counter()
        rows = make_rows(n, rng)
        path = Path(tmp) / f"xiecha-{n}.xlsx"
        write_xlsx(rows, path)
        print(
            f"registry {registry_size:,} people; generated {len(rows):,} rows, "
            f"{path.stat().st_size / 1e6:.1f} MB xlsx in {time.perf_counter() - started:.1f} s"
        )
        with transaction.atomic():
            today = date.today()
            RiskArea.objects.create(
                province="北京市",
                city="北京市",
                county="朝阳区",
                level="high",
                valid_from=today - timedelta(days=20),
            )
            RiskArea.objects.create(
                province="上海市",
                city="上海市",
                county="浦东新区",
                level="medium",
                valid_from=today - timedelta(days=20),
            )
            before = (
                ScreeningRecord.objects.count(),
                ScreeningSighting.objects.count(),
                Measure.objects.count(),
            )
            t0 = time.perf_counter()
            with open(path, "rb") as f:
                analysis = imports.analyse(actor=user, raw=f, name=path.name)
            t_preview = time.perf_counter() - t0
            t1 = time.perf_counter()
            batch = imports.run_import(actor=user, analysis=analysis, name="bench 协查", reference="BENCH-1")
            t_import = time.perf_counter() - t1
            after = (
                ScreeningRecord.objects.count(),
                ScreeningSighting.objects.count(),
                Measure.objects.count(),
            )
            transaction.set_rollback(True)
    total = t_preview + t_import
    timings = analysis.timings
    print(
        render_table(
            ["step", "seconds"],
            [
                ("read (xlsx, calamine)", f"{timings.get('read', 0):.2f}"),
                ("validate (IDs, dates, phones, grids)", f"{timings.get('validate', 0):.2f}"),
                ("lookup (registry by document, chunks)", f"{timings.get('lookup', 0):.2f}"),
                ("write (people, records, sightings)", f"{timings.get('write', 0):.2f}"),
                ("propose (rules, measures, phases)", f"{timings.get('propose', 0):.2f}"),
                ("preview (analyse)", f"{t_preview:.2f}"),
                ("import (run_import)", f"{t_import:.2f}"),
                ("total", f"{total:.2f}"),
            ],
        )
    )
    new_records, sightings, measures = (a - b for a, b in zip(after, before, strict=True))
    print(
        render_table(
            [
                "rows",
                "matched",
                "provisional",
                "merged",
                "outside",
                "errors",
                "new records",
                "sightings",
                "measures",
            ],
            [
                (
                    f"{batch.total_rows:,}",
                    f"{batch.matched_rows:,}",
                    f"{batch.provisional_rows:,}",
                    f"{batch.merged_rows:,}",
                    f"{batch.outside_rows:,}",
                    f"{batch.error_rows:,}",
                    f"{new_records:,}",
                    f"{sightings:,}",
                    f"{measures:,}",
                )
            ],
        )
    )
    print(
        f"{batch.total_rows / total:,.0f} rows/s; preview + import {total:.1f} s (target < {TARGET_S:.0f} s)"
    )
    ok = True
    if sightings != batch.total_rows - batch.outside_rows - batch.error_rows:
        print("FAIL: every imported row should be one sighting")
        ok = False
    if new_records + batch.merged_rows != sightings:
        print("FAIL: new records + merged rows should equal sightings")
        ok = False
    if batch.merged_rows < int(n * 0.05) * 0.9:
        print("FAIL: the in-file duplicates did not merge")
        ok = False
    if batch.error_rows:
        print(f"FAIL: {batch.error_rows} rows in error: {batch.errors[:3]}")
        ok = False
    print("PASS" if ok and total < TARGET_S else ("MISS (timing)" if ok else "FAIL"))
    return ok and total < TARGET_S
