"""Check-in ingestion through the real HTTP API under gunicorn, against raw psycopg inserts.

Setup (in the bench database, cleaned up at the end): an open district round with its
population built, a site with BENCH_INGEST_CLIENTS (default 50) tables, and a registrar of the
district with an API token. Then, for each gunicorn configuration in BENCH_INGEST_GUNICORN
(default "2x1,4x1,2x4": workers x threads; DEBUG off, persistent connections) on a free port:

a) single scans, POST /api/v1/testing/sites/{id}/scan: every client is one table, scans
   distinct people (personal codes, every fifth an ID number typed) into its own tubes (10 places,
   a new barcode every 10 scans, a uuid4 per scan) over a keep-alive connection;
b) batched uploads, POST /api/v1/testing/sites/{id}/upload, batches of 50 and of 200;
d) exactness after every run: every accepted scan is a row, nothing duplicated, Due rows and
   tube counts agree, the coverage counters equal a full recount; then a run where every
   request is sent three times at once (three connections per table) must leave one row per scan.

c) The floor, in the same run: the same rows (same people, tubes, columns) inserted into
   testing_sample with psycopg by 50 connections, one row per transaction, and in batches of 50
   and 200 (one multi-row INSERT and one transaction per batch).

Between runs the round is reset (samples and tubes deleted, Due rows back to due, counters
rebuilt, VACUUM ANALYZE), so each run starts from the same state. Prints throughput, p50/p99,
the ratios to the floor (targets, issue 14: single ≥ 0.2× raw single by CPU per row, with p99 <
100 ms at the paced rate; batched ≥ 0.6× raw batched by wall and by CPU), the CPU used by the load generator, gunicorn and the database backends, and how
busy the whole machine was. Returns False only when an exactness check fails.
"""

import http.client
import json
import math
import os
import random
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = int(os.environ.get("BENCH_INGEST_CLIENTS", "50"))
SINGLE_PER_CLIENT = int(os.environ.get("BENCH_INGEST_SINGLE", "40"))
# Rows per connection of the raw single-row floor: long enough (3,000 rows) that its CPU per row
# is steady on a shared machine; the ratio is per row, so the two runs need not be the same size.
FLOOR_SINGLE_PER_CLIENT = max(SINGLE_PER_CLIENT, 60)
# batch size -> batches per client
BATCH_PLAN = {
    int(size): int(n)
    for size, n in (
        part.split(":") for part in os.environ.get("BENCH_INGEST_BATCHES", "50:2,200:1").split(",")
    )
}
# What to run: the floor (c), single scans (a), uploads (b), every request three times (d).
PARTS = set(os.environ.get("BENCH_INGEST_PARTS", "floor,single,paced,upload,triple").split(","))
# Extra gunicorn arguments, e.g. "--config /path/conf.py" to try a change in the workers.
GUNICORN_ARGS = os.environ.get("BENCH_INGEST_GUNICORN_ARGS", "").split()
TRIPLE_SINGLE = 10
# Paced single scans: each table sends one scan every PACE seconds (a table swabs one person in
# 30-60 s, so 2 s is 15-30x the real rate), to read the latency at a steady load.
PACE = float(os.environ.get("BENCH_INGEST_PACE", "2.0"))
PACED_SCANS = 15  # scans per table in the triple-send run of single scans
CAPACITY = 10
TARGET_SINGLE_CPU_RATIO = 0.2
# Single scans and uploads are measured this many times, each run right after a raw floor of its
# own of the same batch size: on a shared two-core machine the same run's CPU per scan varied from
# 2.9 to 4.7 ms back to back, more than any change to the path, so each verdict is the median of
# the paired ratios.
REPEATS = max(1, int(os.environ.get("BENCH_INGEST_REPEATS", "3")))
TARGET_SINGLE_P99_MS = 100.0
TARGET_BATCH_RATIO = 0.6
SAMPLE_COLUMNS = (
    "client_id",
    "round_id",
    "tube_id",
    "person_id",
    "due_id",
    "site_id",
    "table_no",
    "is_retest",
    "method",
    "scanned_at",
    "received_at",
    "registrar_id",
    "removed_reason",
    "path",
)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


# ------------------------------------------------------------------------------ CPU accounting


def _proc_cpu(pid: int) -> float:
    """CPU seconds of a process, all its threads, to the nanosecond (schedstat): /proc's stat
    counts 10 ms ticks per process, and the floor's 50 backends use a few ms each, so their
    sum read as nearly nothing."""
    total = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0.0
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as fh:
                total += int(fh.read().split()[0])
        except (OSError, IndexError, ValueError):
            continue
    return total / 1e9


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                parts = fh.read().rsplit(")", 1)[1].split()
            if int(parts[1]) == pid:
                out.append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    return out


def _db_backends(dbname: str) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmd = fh.read().decode(errors="replace")
        except OSError:
            continue
        if cmd.startswith("postgres:") and f" {dbname} " in cmd:
            out.append(int(entry))
    return out


def _machine() -> tuple[float, float]:
    with open("/proc/stat") as fh:
        parts = [int(x) for x in fh.readline().split()[1:]]
    idle = parts[3] + parts[4]
    return sum(parts) / os.sysconf("SC_CLK_TCK"), idle / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds of this process (the load generator), of gunicorn and of this database's backends."""

    def __init__(self, dbname: str, gunicorn_pid: int | None = None):
        self.dbname = dbname
        self.gunicorn_pid = gunicorn_pid

    def _gunicorn(self) -> dict[int, float]:
        if not self.gunicorn_pid:
            return {}
        pids = [self.gunicorn_pid, *_children(self.gunicorn_pid)]
        return {p: _proc_cpu(p) for p in pids}

    def __enter__(self):
        self.t0 = time.perf_counter()
        self.self0 = time.process_time()
        self.g0 = self._gunicorn()
        self.db0 = {p: _proc_cpu(p) for p in _db_backends(self.dbname)}
        self.m0 = _machine()
        return self

    def stop(self) -> None:
        self.wall = time.perf_counter() - self.t0
        self.loadgen = time.process_time() - self.self0
        g1 = self._gunicorn()
        self.gunicorn = sum(v - self.g0.get(p, 0.0) for p, v in g1.items())
        db1 = {p: _proc_cpu(p) for p in _db_backends(self.dbname)}
        self.db = sum(v - self.db0.get(p, 0.0) for p, v in db1.items())
        total, idle = _machine()
        span = total - self.m0[0]
        self.machine_busy = (span - (idle - self.m0[1])) / span if span > 0 else float("nan")

    def __exit__(self, *exc):
        if not hasattr(self, "wall"):
            self.stop()

    def summary(self) -> str:
        cores = os.cpu_count() or 1
        return (
            f"wall {self.wall:.1f} s; CPU s: load generator {self.loadgen:.1f}, gunicorn {self.gunicorn:.1f}, "
            f"postgres (this db) {self.db:.1f}; machine busy {100 * self.machine_busy:.0f}% of {cores} cores"
        )


# ------------------------------------------------------------------------------ the round


@dataclass
class World:
    round: object
    site: object
    registrar: object
    token: str
    people: list  # [(person_id, code_token, id_type, id_number, due_id, path)]
    build_seconds: float


def setup() -> World:
    from datetime import timedelta

    from django.utils import timezone

    from wangge.accounts.models import Role, User
    from wangge.accounts.services import issue_token
    from wangge.registry.codes.services import make_token
    from wangge.registry.models import Person
    from wangge.testing.models import Due, RoundStatus, Site
    from wangge.testing.rounds import services

    admin = User.objects.get(username="admin")
    district = admin.jurisdiction
    now = timezone.now()
    rnd = services.create_round(
        actor=admin,
        name=f"bench ingest {now:%H%M%S}",
        owner=district,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=12),
        areas=[(district, CAPACITY)],
    )
    started = time.perf_counter()
    services.build_population(actor=admin, round=rnd)
    build_seconds = time.perf_counter() - started
    site = Site.objects.create(
        round=rnd,
        name="bench ingest site",
        unit=district,
        path=district.path,
        tables=CLIENTS,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=12),
    )
    services.set_status(actor=admin, round=rnd, status=RoundStatus.OPEN)
    rnd.refresh_from_db()
    # One account per bench process, so that two runs at once never revoke each other's token.
    registrar, _created = User.objects.get_or_create(
        username=f"bench_registrar_{os.getpid()}", defaults={"jurisdiction": district}
    )
    registrar.jurisdiction = district
    registrar.is_active = True
    registrar.set_unusable_password()
    registrar.save()
    registrar.roles.set([Role.objects.get(code="sampling_registrar")])
    _tok, raw = issue_token(actor=registrar, name="bench ingest")
    dues = dict(Due.objects.filter(round=rnd).values_list("person_id", "id"))
    people = []
    for p in (
        Person.objects.filter(pk__in=list(dues), is_active=True, merged_into__isnull=True)
        .only("id", "code_version", "id_type", "id_number", "path")
        .order_by("id")
    ):
        people.append((p.pk, make_token(p), p.id_type, p.id_number, dues[p.pk], p.path))
    return World(rnd, site, registrar, raw, people, build_seconds)


def reset(world: World) -> None:
    """Back to a freshly opened round: no samples, no tubes, everyone due, counters rebuilt."""
    from django.db import connection

    from wangge.testing import counters

    rid = world.round.pk
    with connection.cursor() as cur:
        cur.execute("DELETE FROM testing_sample WHERE round_id = %s", [rid])
        cur.execute("DELETE FROM testing_tube WHERE round_id = %s", [rid])
        cur.execute("DELETE FROM testing_throughputcounter WHERE round_id = %s", [rid])
        cur.execute("DELETE FROM testing_due WHERE round_id = %s AND source = 'site'", [rid])
        cur.execute(
            "UPDATE testing_due SET status = 'due', tested_at = NULL WHERE round_id = %s AND status <> 'due'",
            [rid],
        )
    counters.rebuild(rid)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE testing_sample, testing_tube, testing_due, testing_coveragecounter")


def cleanup(world: World) -> None:
    from django.db import connection

    reset(world)
    rid = world.round.pk
    with connection.cursor() as cur:
        for table in (
            "testing_coveragecounter",
            "testing_due",
            "testing_site_grids",
            "testing_site_buildings",
        ):
            if table.startswith("testing_site_"):
                cur.execute(
                    f"DELETE FROM {table} WHERE site_id IN (SELECT id FROM testing_site WHERE round_id = %s)",  # noqa: S608
                    [rid],
                )
            else:
                cur.execute(f"DELETE FROM {table} WHERE round_id = %s", [rid])  # noqa: S608
        cur.execute("DELETE FROM testing_site WHERE round_id = %s", [rid])
        cur.execute("DELETE FROM testing_roundarea WHERE round_id = %s", [rid])
        cur.execute("DELETE FROM testing_round WHERE id = %s", [rid])
    from wangge.accounts.models import ApiToken

    ApiToken.objects.filter(user=world.registrar).delete()
    world.registrar.is_active = False
    world.registrar.save(update_fields=["is_active"])


# ------------------------------------------------------------------------------ requests


@dataclass
class Req:
    path: str
    body: bytes
    client_ids: list


def plan_scans(world: World, start: int, per_client: int, tag: str) -> tuple[list[list[dict]], int]:
    """Per table, `per_client` scans of distinct people, a new tube every CAPACITY scans."""
    tables = []
    k = start
    for c in range(CLIENTS):
        scans = []
        for j in range(per_client):
            pid, code, id_type, id_number, _due, _path = world.people[k]
            scan = {
                "client_id": str(uuid.uuid4()),
                "tube": f"{tag}{c + 1:02d}X{j // CAPACITY:04d}",
                "capacity": CAPACITY,
            }
            if k % 5 == 4:
                scan.update(id_number=id_number, id_type=id_type)
            else:
                scan["code"] = code
            scans.append(scan)
            k += 1
        tables.append(scans)
    return tables, k


def single_requests(world: World, tables: list[list[dict]]) -> list[list[Req]]:
    path = f"/api/v1/testing/sites/{world.site.pk}/scan"
    return [
        [Req(path, json.dumps({"table_no": c + 1, **s}).encode(), [s["client_id"]]) for s in scans]
        for c, scans in enumerate(tables)
    ]


def batch_requests(world: World, tables: list[list[dict]], size: int) -> list[list[Req]]:
    path = f"/api/v1/testing/sites/{world.site.pk}/upload"
    out = []
    for c, scans in enumerate(tables):
        reqs = []
        for i in range(0, len(scans), size):
            chunk = scans[i : i + size]
            reqs.append(
                Req(
                    path,
                    json.dumps({"table_no": c + 1, "scans": chunk}).encode(),
                    [s["client_id"] for s in chunk],
                )
            )
        out.append(reqs)
    return out


@dataclass
class RunResult:
    latencies: list = field(default_factory=list)
    outcomes: dict = field(default_factory=dict)  # client_id -> [status, ...]
    reasons: Counter = field(default_factory=Counter)
    http_errors: Counter = field(default_factory=Counter)
    reconnects: int = 0
    wall: float = 0.0


def drive(port: int, token: str, plans: list[list[Req]], pace: float = 0.0) -> RunResult:
    """One thread per plan, each over its own keep-alive connection; all start together. With
    `pace` (seconds), each client sends one request every `pace` seconds (staggered) instead of
    the next as soon as the answer comes."""
    result = RunResult()
    lock = threading.Lock()
    barrier = threading.Barrier(len(plans) + 1)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def worker(plan: list[Req]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        lat, outs, reasons, errors, reconnects = [], [], Counter(), Counter(), 0
        barrier.wait()
        if pace:
            time.sleep(random.random() * pace)
        next_at = time.perf_counter()
        for req in plan:
            if pace:
                next_at += pace
            for attempt in range(3):
                started = time.perf_counter()
                try:
                    conn.request("POST", req.path, req.body, headers)
                    resp = conn.getresponse()
                    data = resp.read()
                    if resp.will_close:
                        conn.close()
                except (http.client.HTTPException, OSError):
                    conn.close()
                    reconnects += 1
                    if attempt == 2:
                        errors["connection"] += 1
                    continue
                break
            else:
                continue
            lat.append((time.perf_counter() - started) * 1000)
            if resp.status != 200:
                errors[resp.status] += 1
                continue
            body = json.loads(data)
            if pace:
                time.sleep(max(0.0, next_at - time.perf_counter()))
            items = body.get("results", [body])
            for item in items:
                outs.append((item["client_id"], item["status"]))
                if item["status"] == "refused":
                    reasons[item["reason"]] += 1
        conn.close()
        with lock:
            result.latencies.extend(lat)
            for cid, status in outs:
                result.outcomes.setdefault(cid, []).append(status)
            result.reasons.update(reasons)
            result.http_errors.update(errors)
            result.reconnects += reconnects

    threads = [threading.Thread(target=worker, args=(p,), daemon=True) for p in plans]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    result.wall = time.perf_counter() - started
    return result


# ------------------------------------------------------------------------------ exactness


def check_exact(world: World, sent: list[str], result: RunResult, label: str) -> list[str]:
    """Problems found (empty: exact)."""
    from django.db import connection

    from wangge.testing import counters

    rid = world.round.pk
    problems = []
    accepted = {cid for cid, statuses in result.outcomes.items() if "accepted" in statuses}
    twice = [cid for cid, statuses in result.outcomes.items() if statuses.count("accepted") > 1]
    with connection.cursor() as cur:
        cur.execute("SELECT client_id::text FROM testing_sample WHERE round_id = %s", [rid])
        stored = [r[0] for r in cur.fetchall()]
        cur.execute(
            "SELECT count(*), count(DISTINCT client_id), count(DISTINCT person_id) FROM testing_sample "
            "WHERE round_id = %s AND NOT is_retest AND removed_at IS NULL",
            [rid],
        )
        n, n_client, n_person = cur.fetchone()
        cur.execute("SELECT count(*) FROM testing_due WHERE round_id = %s AND status = 'tested'", [rid])
        tested = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*) FROM testing_tube t WHERE t.round_id = %s AND t.filled <> "
            "(SELECT count(*) FROM testing_sample s WHERE s.tube_id = t.id AND s.removed_at IS NULL)",
            [rid],
        )
        bad_tubes = cur.fetchone()[0]
    stored_set = set(stored)
    lost = accepted - stored_set
    unknown = stored_set - set(sent)
    unanswered = stored_set - accepted
    if lost:
        problems.append(f"{len(lost)} accepted scans are not stored")
    if twice:
        problems.append(f"{len(twice)} scans accepted more than once")
    if len(stored) != len(stored_set) or not (n == n_client == n_person):
        problems.append(f"duplicates: rows {n}, distinct client ids {n_client}, distinct people {n_person}")
    if unknown:
        problems.append(f"{len(unknown)} rows with a client id never sent")
    if unanswered and not result.http_errors:
        problems.append(f"{len(unanswered)} rows stored whose scan was never answered accepted")
    if tested != n:
        problems.append(f"Due rows tested {tested} != samples {n}")
    if bad_tubes:
        problems.append(f"{bad_tubes} tubes whose filled count differs from their samples")
    if counters.counted(rid) != counters.full_recount(rid):
        problems.append("coverage counters differ from a full recount")
    print(
        f"   exactness {label}: sent {len(set(sent))} scans, accepted {len(accepted)}, rows {len(stored)} "
        f"(distinct client ids {n_client}, people {n_person}), Due tested {tested}, counters "
        f"{'== recount' if 'coverage counters differ from a full recount' not in problems else '!= recount'}"
        + (f"; PROBLEMS: {'; '.join(problems)}" if problems else "; exact")
    )
    return problems


# ------------------------------------------------------------------------------ the floor


def floor_rows(world: World, tables: list[list[dict]], tag: str) -> list[list[tuple]]:
    """The rows the API would store for these scans, with real tubes made beforehand."""
    from django.utils import timezone

    from wangge.testing.models import Tube, TubeKind

    now = timezone.now()
    barcodes = sorted({(c, s["tube"]) for c, scans in enumerate(tables) for s in scans})
    tubes = Tube.objects.bulk_create(
        [
            Tube(
                round=world.round,
                barcode=f"{tag}{b}",
                site=world.site,
                table_no=c + 1,
                kind=TubeKind.POOL,
                capacity=CAPACITY,
                opened_by=world.registrar,
                opened_at=now,
                path=world.site.path,
            )
            for c, b in barcodes
        ]
    )
    tube_ids = {(t.table_no - 1, t.barcode[len(tag) :]): t.pk for t in tubes}
    out = []
    offset = 0
    for c, scans in enumerate(tables):
        rows = []
        for j, s in enumerate(scans):
            pid, _code, _t, _n, due_id, path = world.people[offset + j]  # plan_scans started at person 0
            rows.append(
                (
                    uuid.UUID(s["client_id"]),
                    world.round.pk,
                    tube_ids[(c, s["tube"])],
                    pid,
                    due_id,
                    world.site.pk,
                    c + 1,
                    False,
                    "code",
                    now,
                    now,
                    world.registrar.pk,
                    "",
                    path,
                )
            )
        offset += len(scans)
        out.append(rows)
    return out


def paired_floor(
    world: World, conninfo: str, dbname: str, batch: int, per_client_n: int, rep: int
) -> tuple[float, float]:
    """A raw floor of `batch` rows per transaction taken just before one API run, as (CPU seconds
    per row, rows/s); the round is reset after it."""
    tables, _k = plan_scans(world, 0, per_client_n, "F")
    per_client = floor_rows(world, tables, f"Q{batch}-{rep}-")
    res, meter = raw_insert(conninfo, per_client, batch, dbname)
    n_rows = sum(len(r) for r in per_client)
    reset(world)
    return (meter.loadgen + meter.db) / n_rows, n_rows / res.wall


@dataclass
class PairedRun:
    cpu_ratio: float
    wall_ratio: float
    res: RunResult
    meter: CpuMeter
    accepted: int


def against_floor(
    port: int,
    world: World,
    gunicorn_pid: int,
    dbname: str,
    plans: list,
    floor_pair: tuple[float, float],
    label: str,
) -> PairedRun:
    """One API run of `plans`, its CPU per row and its rate set against the floor taken just before it."""
    floor_cpu, floor_rate = floor_pair
    with CpuMeter(dbname, gunicorn_pid) as meter:
        res = drive(port, world.token, plans)
        meter.stop()
    accepted = sum(1 for st in res.outcomes.values() if "accepted" in st)
    rate = accepted / res.wall
    api_cpu = (meter.gunicorn + meter.db) / max(accepted, 1)
    print(
        f"   {label}: {accepted} accepted, {rate:.0f}/s, {_lat(res)}; {meter.summary()}; "
        f"refusals {dict(res.reasons)}; http errors {dict(res.http_errors)}"
    )
    print(
        f"   {label}: against the floor just before it, wall {rate / floor_rate:.2f}x ({rate:.0f} vs "
        f"{floor_rate:.0f} rows/s), CPU {floor_cpu / api_cpu:.2f}x ({api_cpu * 1000:.2f} vs "
        f"{floor_cpu * 1000:.2f} ms/row)"
    )
    return PairedRun(floor_cpu / api_cpu, rate / floor_rate, res, meter, accepted)


def medians(pairs: list[PairedRun]) -> tuple[float, float, PairedRun]:
    """The median CPU and wall ratios, and the run of the median CPU ratio (for the table)."""
    middle = sorted(pairs, key=lambda pair: pair.cpu_ratio)[len(pairs) // 2]
    return median(p.cpu_ratio for p in pairs), median(p.wall_ratio for p in pairs), middle


def raw_conninfo() -> str:
    from django.db import connection

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    from psycopg.conninfo import make_conninfo

    return make_conninfo(
        **{k: str(v) for k, v in params.items() if v not in (None, "") and isinstance(v, str | int)}
    )


def raw_insert(
    conninfo: str, per_client: list[list[tuple]], batch: int, dbname: str
) -> tuple[RunResult, CpuMeter]:
    import psycopg

    cols = ", ".join(SAMPLE_COLUMNS)
    one = "(" + ", ".join(["%s"] * len(SAMPLE_COLUMNS)) + ")"
    conns = [psycopg.connect(conninfo, autocommit=True) for _ in per_client]
    result = RunResult()
    lock = threading.Lock()
    barrier = threading.Barrier(len(per_client) + 1)

    def worker(conn, rows):
        lat = []
        cur = conn.cursor()
        barrier.wait()
        for i in range(0, len(rows), batch):
            chunk = rows[i : i + batch]
            started = time.perf_counter()
            if batch == 1:
                cur.execute(f"INSERT INTO testing_sample ({cols}) VALUES {one}", chunk[0])  # noqa: S608
            else:
                with conn.transaction():
                    params = [v for row in chunk for v in row]
                    cur.execute(
                        f"INSERT INTO testing_sample ({cols}) VALUES {', '.join([one] * len(chunk))}",  # noqa: S608
                        params,
                    )
            lat.append((time.perf_counter() - started) * 1000)
        with lock:
            result.latencies.extend(lat)

    threads = [
        threading.Thread(target=worker, args=(c, r), daemon=True)
        for c, r in zip(conns, per_client, strict=True)
    ]
    for t in threads:
        t.start()
    meter = CpuMeter(dbname).__enter__()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    result.wall = time.perf_counter() - started
    meter.stop()
    for c in conns:
        c.close()
    return result, meter


# ------------------------------------------------------------------------------ gunicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(workers: int, threads: int, port: int) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(WANGGE_DEBUG="0", DJANGO_SETTINGS_MODULE="wangge.settings", WANGGE_LOG_LEVEL="WARNING")
    env.setdefault("WANGGE_CONN_MAX_AGE", "600")
    cmd = [
        str(Path(sys.executable).parent / "gunicorn"),
        "wangge.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--backlog",
        "2048",
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
        "--timeout",
        "120",
        *GUNICORN_ARGS,
    ]
    proc = subprocess.Popen(cmd, cwd=str(ROOT), env=env)  # noqa: S603
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("gunicorn did not start")


def stop_gunicorn(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def warm_up(port: int, world: World) -> None:
    """Every worker and thread loads the URL tree, ninja and a DB connection."""
    path = f"/api/v1/testing/sites/{world.site.pk}/tubes?table_no=1"
    headers = {"Authorization": f"Bearer {world.token}"}

    def get(n):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for _ in range(n):
            conn.request("GET", path, headers=headers)
            r = conn.getresponse()
            r.read()
            if r.will_close:
                conn.close()
        conn.close()

    threads = [threading.Thread(target=get, args=(4,)) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


# ------------------------------------------------------------------------------ queries per call


def queries_per_call(world: World) -> dict[str, int]:
    """SQL statements of one scan and of one batch of 50, through django.test.Client (then reset)."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append("testserver")
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {world.token}"}
    tables, _k = plan_scans(world, 0, 60, "Q")
    out = {}
    scans = tables[0]
    client.post(
        f"/api/v1/testing/sites/{world.site.pk}/scan",
        {"table_no": 1, **scans[0]},
        content_type="application/json",
        **auth,
    )
    with CaptureQueriesContext(connection) as ctx:
        r = client.post(
            f"/api/v1/testing/sites/{world.site.pk}/scan",
            {"table_no": 1, **scans[1]},
            content_type="application/json",
            **auth,
        )
    assert r.status_code == 200, r.content
    out["single scan"] = len(ctx.captured_queries)
    with CaptureQueriesContext(connection) as ctx:
        r = client.post(
            f"/api/v1/testing/sites/{world.site.pk}/upload",
            {"table_no": 1, "scans": scans[10:60]},
            content_type="application/json",
            **auth,
        )
    assert r.status_code == 200, r.content
    out["batch of 50"] = len(ctx.captured_queries)
    reset(world)
    return out


# ------------------------------------------------------------------------------ main


def _lat(res: "RunResult") -> str:
    return f"p50 {percentile(res.latencies, 50):.1f} ms, p99 {percentile(res.latencies, 99):.1f} ms"


def _fmt(x: float, digits: int = 1) -> str:
    return "-" if x != x else f"{x:,.{digits}f}"


def figures(
    label: str, ratio: str, cpu_ratio: str, n: int, res: RunResult, meter: CpuMeter, *, floor: bool = False
) -> list:
    """One line of the table. "app" is gunicorn for the API and the inserting threads for the floor;
    "rows/s alone" is what the app and PostgreSQL CPU per row would allow on this machine's cores
    if nothing else ran (the machine is shared, so wall-clock figures understate it)."""
    app_cpu = meter.loadgen if floor else meter.gunicorn
    per_row = (app_cpu + meter.db) / n if n else float("nan")
    alone = (os.cpu_count() or 1) / per_row if per_row else float("nan")
    return [
        label,
        ratio,
        cpu_ratio,
        f"{n:,}",
        _fmt(n / res.wall, 0),
        _fmt(percentile(res.latencies, 50)),
        _fmt(percentile(res.latencies, 99)),
        "-" if floor else res.reconnects,
        f"{meter.loadgen:.1f}/{'-' if floor else f'{app_cpu:.1f}'}/{meter.db:.1f}",
        _fmt(per_row * 1000, 2),
        _fmt(alone, 0),
        f"{100 * meter.machine_busy:.0f}%",
    ]


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
    from django.db import connection

    from wangge.demo.tables import render_table

    dbname = connection.settings_dict["NAME"]
    print(machine_speed())
    configs = [
        tuple(int(v) for v in c.split("x"))
        for c in os.environ.get("BENCH_INGEST_GUNICORN", "2x1,4x1,2x4").split(",")
        if c.strip()
    ]
    world = setup()
    print(
        f"round over the district: {len(world.people):,} people due (build_population {world.build_seconds:.2f} s); "
        f"site with {CLIENTS} tables; {CLIENTS} clients"
    )
    need = max(CLIENTS * SINGLE_PER_CLIENT, *(CLIENTS * n * size for size, n in BATCH_PLAN.items()))
    if need + CLIENTS * 2 > len(world.people):
        print(f"not enough people ({len(world.people)}) for {need} scans; lower BENCH_INGEST_SINGLE")
        cleanup(world)
        return False
    ok = True
    rows = []
    try:
        reset(world)
        qpc = queries_per_call(world)
        print("SQL statements per call: " + ", ".join(f"{k} {v}" for k, v in qpc.items()))

        # c) the floor
        conninfo = raw_conninfo()
        floor = defaultdict(lambda: float("nan"))
        floor_cpu = defaultdict(lambda: float("nan"))
        for batch, per_client_n in (
            [(1, FLOOR_SINGLE_PER_CLIENT)] + [(s, s * n) for s, n in BATCH_PLAN.items()]
        ) * ("floor" in PARTS):
            tables, _k = plan_scans(world, 0, per_client_n, "F")
            per_client = floor_rows(world, tables, f"R{batch}-")
            res, meter = raw_insert(conninfo, per_client, batch, dbname)
            n_rows = sum(len(r) for r in per_client)
            floor[batch] = n_rows / res.wall
            label = "raw INSERT, 1 row/txn" if batch == 1 else f"raw INSERT, {batch} rows/txn"
            floor_cpu[batch] = (meter.loadgen + meter.db) / n_rows
            rows.append(figures(label, "-", "-", n_rows, res, meter, floor=True))
            print(f"   {label}: {n_rows / res.wall:.0f} rows/s, {_lat(res)}; {meter.summary()}")
            reset(world)

        for workers, threads in configs:
            port = free_port()
            proc = start_gunicorn(workers, threads, port)
            conf = f"{workers}w x {threads}t"
            try:
                warm_up(port, world)
                # a) single scans (first two scans of each table warm the write path; they count for
                #    exactness), each run paired with a raw single-row floor taken just before it
                if "single" in PARTS:
                    pairs = []
                    for rep in range(REPEATS):
                        floor_pair = paired_floor(world, conninfo, dbname, 1, FLOOR_SINGLE_PER_CLIENT, rep)
                        tables, _k = plan_scans(world, 0, SINGLE_PER_CLIENT + 2, "S")
                        reqs = single_requests(world, tables)
                        warm = drive(port, world.token, [r[:2] for r in reqs])
                        run = against_floor(
                            port, world, proc.pid, dbname, [r[2:] for r in reqs], floor_pair,
                            f"single ({conf}) run {rep + 1}",
                        )  # fmt: skip
                        pairs.append(run)
                        for cid, statuses in warm.outcomes.items():
                            run.res.outcomes.setdefault(cid, []).extend(statuses)
                        sent = [s["client_id"] for scans in tables for s in scans]
                        ok &= not check_exact(world, sent, run.res, f"single {conf} run {rep + 1}")
                        reset(world)
                    cpu_ratio, ratio, middle = medians(pairs)
                    # As fast as the tables send: judged by CPU (the wall clock here is a queue).
                    verdict = "PASS" if cpu_ratio >= TARGET_SINGLE_CPU_RATIO else "MISS"
                    print(
                        f"   single ({conf}): paired CPU ratios "
                        + ", ".join(f"{pair.cpu_ratio:.2f}x" for pair in pairs)
                        + f"; median {cpu_ratio:.2f}x {verdict}"
                    )
                    rows.append(
                        figures(f"API single scan ({conf}), median of {len(pairs)}", f"{ratio:.2f}x",
                                f"{cpu_ratio:.2f}x {verdict}", middle.accepted, middle.res, middle.meter)
                    )  # fmt: skip

                # a') single scans at a steady pace (open loop)
                if "paced" in PARTS:
                    tables, _k = plan_scans(world, 0, PACED_SCANS, "P")
                    with CpuMeter(dbname, proc.pid) as meter:
                        res = drive(port, world.token, single_requests(world, tables), pace=PACE)
                        meter.stop()
                    accepted = sum(1 for st in res.outcomes.values() if "accepted" in st)
                    p99 = percentile(res.latencies, 99)
                    verdict = "PASS" if p99 < TARGET_SINGLE_P99_MS else "MISS"
                    print(
                        f"   paced single ({conf}): {accepted} accepted, {accepted / res.wall:.0f}/s, "
                        + _lat(res)
                    )
                    rows.append(
                        figures(f"API single, 1 per {PACE:g} s per table ({conf})", f"p99 {verdict}", "-", accepted,
                                res, meter)
                    )  # fmt: skip
                    sent = [s["client_id"] for scans in tables for s in scans]
                    ok &= not check_exact(world, sent, res, f"paced single {conf}")
                    reset(world)

                # b) batches
                if "upload" in PARTS:
                    for size, n in BATCH_PLAN.items():
                        pairs = []
                        for rep in range(REPEATS):
                            floor_pair = paired_floor(world, conninfo, dbname, size, size * n, rep)
                            tables, _k = plan_scans(world, 0, size * n, f"B{size}-")
                            run = against_floor(
                                port, world, proc.pid, dbname, batch_requests(world, tables, size), floor_pair,
                                f"upload {size} ({conf}) run {rep + 1}",
                            )  # fmt: skip
                            pairs.append(run)
                            sent = [s["client_id"] for scans in tables for s in scans]
                            ok &= not check_exact(world, sent, run.res, f"upload {size} {conf} run {rep + 1}")
                            reset(world)
                        cpu_ratio, ratio, middle = medians(pairs)
                        wall_verdict = "PASS" if ratio >= TARGET_BATCH_RATIO else "MISS"
                        cpu_verdict = "PASS" if cpu_ratio >= TARGET_BATCH_RATIO else "MISS"
                        print(
                            f"   upload {size} ({conf}): paired ratios wall "
                            + ", ".join(f"{pair.wall_ratio:.2f}x" for pair in pairs)
                            + f" (median {ratio:.2f}x {wall_verdict}), CPU "
                            + ", ".join(f"{pair.cpu_ratio:.2f}x" for pair in pairs)
                            + f" (median {cpu_ratio:.2f}x {cpu_verdict})"
                        )
                        rows.append(
                            figures(f"API upload {size}/request ({conf}), median of {len(pairs)}",
                                    f"{ratio:.2f}x {wall_verdict}", f"{cpu_ratio:.2f}x {cpu_verdict}",
                                    middle.accepted, middle.res, middle.meter)
                        )  # fmt: skip

                # d) every request three times at once (three connections per table)
                if "triple" in PARTS:
                    for kind in ("single", "upload 50"):
                        if kind == "single":
                            tables, _k = plan_scans(world, 0, TRIPLE_SINGLE, "T")
                            reqs = single_requests(world, tables)
                        else:
                            tables, _k = plan_scans(world, 0, 100, "U")
                            reqs = batch_requests(world, tables, 50)
                        plans = [list(r) for r in reqs for _copy in range(3)]
                        res = drive(port, world.token, plans)
                        sent = [s["client_id"] for scans in tables for s in scans]
                        answers = Counter(tuple(sorted(Counter(st).items())) for st in res.outcomes.values())
                        print(
                            f"   sent three times at once ({kind}, {conf}): {len(sent)} scans, {sum(len(p) for p in plans)} "
                            f"requests; answers per scan: "
                            + ", ".join(
                                f"{'+'.join(f'{v}×{k}' for k, v in key)}: {n}"
                                for key, n in answers.most_common()
                            )
                        )
                        ok &= not check_exact(world, sent, res, f"x3 {kind} {conf}")
                        reset(world)
            finally:
                stop_gunicorn(proc)
    finally:
        cleanup(world)
    print()
    print(
        render_table(
            [
                "measurement",
                "ratio (wall)",
                "ratio (CPU)",
                "rows",
                "rows/s",
                "p50 ms",
                "p99 ms",
                "reconn.",
                "CPU s loadgen/app/pg",
                "CPU ms/row app+pg",
                "rows/s alone",
                "machine busy",
            ],  # fmt: skip
            rows,
        )
    )
    print(
        f"targets: single ≥ {TARGET_SINGLE_CPU_RATIO}× raw single by CPU per row, p99 < {TARGET_SINGLE_P99_MS:.0f} ms "
        f"at the paced rate; batched ≥ {TARGET_BATCH_RATIO}× raw batched of the same size by wall and by CPU "
        "(timing misses are reported, not failures)"
    )
    print("exactness: " + ("PASS (no scan lost or stored twice; counters == recount)" if ok else "FAIL"))
    return ok
