"""Import of a 20,000-row village rental roll (出租屋登记表), against raw COPY of its people.

1. Picks the demo village with the most grids, gives it one address rule per group (组) and
   generates BENCH_ROLL_ROWS (default 20,000) roll rows: houses of 1–3 tenants each (one row a
   tenant, the house's cells left empty on its later rows, as merged cells come out), one house
   in eight vacant or self-used, one group in ten with no rule (its houses wait to be placed);
   written as xlsx with a title row above the header.
2. Engine: `imports.engine.create_job` for the village, then `run_import`, as the district admin,
   timed from the upload to the end.
3. Floor: the same landlords and tenants as ready registry_person rows with one raw COPY.
Both run inside transactions that are rolled back. Prints both times, the ratio, the target
(< 60 s) and, with BENCH_PROFILE=1, where the engine's time goes (cProfile, top functions).
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

TARGET_SECONDS = 60.0
HEADER = ["房屋地址", "房东姓名", "身份证号码", "联系电话", "房屋状态", "出租间数", "租户姓名", "身份证号",
          "电话", "入住日期", "户籍地", "工作单位", "承诺书签订日期", "是否张贴两码"]  # fmt: skip
AREA = "440304"  # 深圳市福田区: not an area the demo draws from


def make_people(n: int, rng: random.Random) -> list[tuple[str, str]]:
    from faker.providers.person.zh_CN import Provider
    from stdnum.cn import ric

    surnames, given = list(Provider.last_names), list(Provider.first_names)
    seen, out = set(), []
    while len(out) < n:
        birth = date(1955, 1, 1) + timedelta(days=rng.randint(0, 45 * 365))
        body = f"{AREA}{birth:%Y%m%d}{rng.randrange(1000):03d}"
        if body in seen:
            continue
        seen.add(body)
        out.append((rng.choice(surnames) + rng.choice(given), body + ric.calc_check_digit(body + "0")))
    return out


def make_roll(n: int, groups: int, rng: random.Random) -> tuple[list[list[str]], list[tuple[str, str]]]:
    people = make_people(2 * n, rng)
    landlords, tenants = iter(people[:n]), iter(people[n:])
    rows: list[list[str]] = []
    house = 0
    used: list[tuple[str, str]] = []
    while len(rows) < n:
        house += 1
        address = f"{house % groups + 1}组{house // groups + 1}号"
        name, number = next(landlords)
        used.append((name, number))
        phone = f"139{rng.randrange(10**8):08d}"
        if rng.random() < 0.125:
            rows.append(
                [
                    address,
                    name,
                    number,
                    phone,
                    rng.choice(["空置", "自用"]),
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
            )
            continue
        for k in range(rng.randint(1, 3)):
            t_name, t_number = next(tenants)
            used.append((t_name, t_number))
            move_in = date(2021, 6, 1) + timedelta(days=rng.randint(0, 300))
            head = [address, name, number, phone, "出租", "2"] if k == 0 else [address, "", "", "", "", ""]
            rows.append(head + [t_name, t_number, f"138{rng.randrange(10**8):08d}", move_in.isoformat(),
                                "河南省周口市", "富士康", "2022-03-01" if k == 0 else "", "是" if k == 0 else ""])  # fmt: skip
    return rows[:n], used


def write_xlsx(rows: list[list[str]], path: Path) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("出租屋登记表")
    sheet.write_string(0, 0, "出租屋登记表")
    sheet.write_row(1, 0, HEADER)
    for r, row in enumerate(rows, 2):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    book.close()


def copy_floor(people: list[tuple[str, str]], grid_id: int, path: str) -> float:
    from django.db import connection, transaction
    from django.utils import timezone

    from wangge.demo.registry_builder import PERSON_COLUMNS, copy_text
    from wangge.registry.identity import check_resident_id
    from wangge.registry.services import initials
    from wangge.registry.shortcode import new_short_code

    cols = [c for c in PERSON_COLUMNS if c != "id"]
    now = timezone.now()
    started = time.perf_counter()
    out = []
    for name, number in people:
        checked = check_resident_id(number)
        out.append((name, initials(name), "resident_id", checked.number, checked.warning, checked.sex,
                    checked.birth_date, "", "tenant", "", "", "", None, None, None, "", grid_id, path,
                    True, 1, new_short_code(), None, now, now))  # fmt: skip
    text = copy_text(out)
    with transaction.atomic(), connection.cursor() as cur:
        with cur.cursor.copy(f"COPY registry_person ({', '.join(cols)}) FROM STDIN") as copy:
            copy.write(text.encode())
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds


def main() -> bool:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction
    from django.db.models import Count
    from django.test.utils import override_settings

    from wangge.accounts.models import User
    from wangge.demo.tables import render_table
    from wangge.org.models import Level, OrgUnit
    from wangge.registry.imports import engine
    from wangge.registry.models import AddressRule, AddressRuleKind, HeldRow, Rental, Tenancy

    n = int(os.environ.get("BENCH_ROLL_ROWS", "20000"))
    rng = random.Random(20220328)
    user = User.objects.get(username="admin")
    villages = OrgUnit.objects.filter(level=Level.VILLAGE).order_by("code")
    village = max(
        villages, key=lambda v: OrgUnit.objects.filter(level=Level.GRID, path__startswith=v.path).count()
    )
    grids = list(OrgUnit.objects.filter(level=Level.GRID, path__startswith=village.path).order_by("path"))
    groups = 10 * len(grids)
    rows, people = make_roll(n, groups, rng)
    profile = cProfile.Profile() if os.environ.get("BENCH_PROFILE") == "1" else None
    with tempfile.TemporaryDirectory(prefix="wangge-bench-roll-") as tmp:
        path = Path(tmp) / f"roll-{n}.xlsx"
        write_xlsx(rows, path)
        print(f"{village.name}: {len(grids)} grids, {groups} groups; {n:,} rows, {len(people):,} people, "
              f"{path.stat().st_size / 1e6:.1f} MB xlsx")  # fmt: skip
        floor = copy_floor(people, grids[0].pk, grids[0].path)
        with override_settings(MEDIA_ROOT=tmp, CELERY_TASK_ALWAYS_EAGER=True), transaction.atomic():
            for g in range(groups):
                if g % 10 != 9:  # one group in ten has no rule: its houses wait
                    AddressRule.objects.create(village=village, path=village.path, kind=AddressRuleKind.GROUP,
                                               group_no=g + 1, grid=grids[g % len(grids)])  # fmt: skip
            upload = SimpleUploadedFile(path.name, path.read_bytes())
            started = time.perf_counter()
            if profile:
                profile.enable()
            job = engine.create_job(actor=user, kind="rental_roll", upload=upload, unit=village)
            job = engine.run_import(job)
            if profile:
                profile.disable()
            seconds = time.perf_counter() - started
            job.refresh_from_db()
            counts = {
                "rentals": Rental.objects.filter(path__startswith=village.path, created_at__gte=job.created_at).count(),
                "tenancies": Tenancy.objects.filter(rental__created_at__gte=job.created_at, path__startswith=village.path).count(),
                "held": HeldRow.objects.filter(job=job).values("reason").annotate(n=Count("pk")).count() and HeldRow.objects.filter(job=job).count(),
            }  # fmt: skip
            transaction.set_rollback(True)
    print(render_table(["step", "seconds", "result"], [
        ("raw COPY of its people into registry_person (floor)", f"{floor:.1f}", f"{len(people):,} people"),
        ("roll import: upload + parse + validate + write", f"{seconds:.1f}",
         f"{job.status}: {job.created_rows:,} rows created, {job.error_rows:,} errors, {counts['rentals']:,} rentals, "
         f"{counts['tenancies']:,} tenancies, {counts['held']:,} rows held"),
    ]))  # fmt: skip
    print(f"ratio engine/COPY: {seconds / floor:.1f}×; target < {TARGET_SECONDS:.0f} s: "
          f"{'PASS' if seconds < TARGET_SECONDS else 'FAIL'}")  # fmt: skip
    if profile:
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(25)
        print(out.getvalue()[:6000])
    if job.status != "done" or job.error_rows:
        print(f"FAIL: the import ended {job.status} with {job.error_rows} bad rows: {job.message[:300]}")
        return False
    return seconds < TARGET_SECONDS
