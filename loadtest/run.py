"""A round's morning with faults: `make loadtest` (full) or `make loadtest-ci` (LOADTEST_SHORT=1).

Starts its own PostgreSQL cluster, Redis, gunicorn (gunicorn.conf.py) and a Celery worker
(loadtest/services.py), migrates and seeds the demo district, opens a round with one site
(loadtest/world.py), then drives Locust users (loadtest/clients.py) through the phases:

  baseline   the round's mean rate (LOADTEST_RATE scans/s over all tables)
  burst      ten times it (LOADTEST_BURST_FACTOR); during it PostgreSQL is restarted
             (pg_ctl restart -m fast), a web worker is killed with SIGKILL and Redis is stopped
             for LOADTEST_REDIS_DOWN_S seconds, then started again
  drain      no new scans: the tables send what they still hold

It prints per phase the offered and achieved rates, p50/p99, errors by status, per fault the
time to recover, the requests each web worker served after the SIGKILL, and the exactness check.
Exit status: 0 exact, 1 not exact (or scans never answered), 2 the harness itself failed.
See loadtest/README.md.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import sys
import time
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

import gevent
from locust.env import Environment

from loadtest.clients import CONNECTS, SHARED, DashboardUser, LookupUser, ProbeUser, TableUser
from loadtest.services import Stack

SHORT = os.environ.get("LOADTEST_SHORT", "") not in ("", "0")


def setting(name: str, full: float, short: float) -> float:
    return float(os.environ.get(name, short if SHORT else full))


TABLES = int(setting("LOADTEST_TABLES", 50, 20))
RATE = setting("LOADTEST_RATE", 20, 10)
FACTOR = setting("LOADTEST_BURST_FACTOR", 10, 10)
BASELINE_S = setting("LOADTEST_BASELINE_S", 60, 15)
BURST_S = setting("LOADTEST_BURST_S", 100, 50)
# Enough people for every scan offered (15% are not due: departed, other areas).
PEOPLE = int(
    os.environ.get("LOADTEST_PEOPLE", 0)
    or max(3000, math.ceil((RATE * BASELINE_S + RATE * FACTOR * BURST_S) * 1.15 / 1000) * 1000)
)
PG_AT = setting("LOADTEST_PG_RESTART_AT", 10, 5)
KILL_AT = setting("LOADTEST_KILL_AT", 25, 12)
REDIS_AT = setting("LOADTEST_REDIS_STOP_AT", 40, 17)
REDIS_DOWN_S = setting("LOADTEST_REDIS_DOWN_S", 30, 30)
DRAIN_MAX_S = setting("LOADTEST_DRAIN_MAX_S", 150, 90)
DASHBOARDS = int(setting("LOADTEST_DASHBOARDS", 3, 1))
LOOKUPS = int(setting("LOADTEST_LOOKUPS", 3, 1))
PROBES = int(setting("LOADTEST_PROBES", 1, 1))
WORKERS = int(setting("LOADTEST_WORKERS", 2, 2))
THREADS = int(setting("LOADTEST_THREADS", 4, 4))
KEEP = os.environ.get("LOADTEST_KEEP", "") not in ("", "0")


def say(text: str) -> None:
    print(text, flush=True)


def load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load {one:.1f}/{five:.1f} on {os.cpu_count()} cores"


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


# ------------------------------------------------------------------------------ the run


class Faults:
    def __init__(self) -> None:
        self.events: list[tuple[str, float]] = []  # (name, time.time())
        self.notes: dict[str, str] = {}

    def mark(self, name: str) -> None:
        SHARED.segment += 1
        self.events.append((name, time.time()))


def sleep_until(at: float) -> None:
    gevent.sleep(max(0.0, at - time.time()))


def burst(stack: Stack, faults: Faults) -> None:
    t0 = time.time()
    sleep_until(t0 + PG_AT)
    faults.mark("PostgreSQL restart (pg_ctl restart -m fast)")
    started = time.time()
    stack.restart_postgres()
    faults.notes["PostgreSQL restart (pg_ctl restart -m fast)"] = f"pg_ctl took {time.time() - started:.1f} s"

    sleep_until(t0 + KILL_AT)
    before = set(stack.web_workers())
    faults.mark("web worker SIGKILL")
    killed = stack.kill_web_worker()
    replacement, booted = None, None
    while time.time() < t0 + KILL_AT + 60:
        new = set(stack.web_workers()) - before
        if new:
            replacement, booted = new.pop(), time.time()
            break
        gevent.sleep(0.05)
    faults.killed, faults.replacement = killed, replacement  # type: ignore[attr-defined]
    faults.notes["web worker SIGKILL"] = (
        f"killed pid {killed}; replacement pid {replacement} forked after "
        f"{(booted or time.time()) - faults.events[-1][1]:.1f} s"
    )

    sleep_until(t0 + REDIS_AT)
    faults.mark(f"Redis stopped for {REDIS_DOWN_S:.0f} s")
    stack.stop_redis()
    gevent.sleep(REDIS_DOWN_S)
    faults.mark("Redis started again")
    stack.start_redis()
    sleep_until(t0 + BURST_S)


def run_phase(name: str, rate: float) -> tuple[float, float]:
    SHARED.phase = name
    SHARED.rate = rate
    return time.time(), rate


def drain() -> float:
    SHARED.phase = "drain"
    SHARED.rate = 0.0
    started = time.time()
    while time.time() < started + DRAIN_MAX_S:
        if not any(t.queue or t.in_flight for t in SHARED.tables):
            break
        gevent.sleep(0.25)
    return time.time() - started


# ------------------------------------------------------------------------------ figures


def phase_report(name: str, start: float, end: float) -> None:
    span = max(end - start, 1e-9)
    recs = [r for r in SHARED.records if r.phase == name]
    ups = [r for r in recs if r.kind == "upload"]
    ok = [r for r in ups if r.status == 200]
    answered = sum(r.scans for r in ok)
    made = SHARED.scans_made.get(name, 0)
    lat = [(r.done - r.at) * 1000 for r in ok]
    errors = Counter(r.status for r in ups if r.status != 200)
    sizes = [r.scans for r in ups]
    say(
        f"  {name:<9} {span:5.0f} s  offered {made / span:6.1f} scans/s  achieved {answered / span:6.1f} scans/s "
        f"({len(ok) / span:.1f} uploads/s, {len(ups)} sent, mean batch {sum(sizes) / max(1, len(sizes)):.1f}, "
        f"max {max(sizes, default=0)})"
    )
    say(
        f"            uploads p50 {pct(lat, 50):.0f} ms  p99 {pct(lat, 99):.0f} ms  "
        f"errors {dict(sorted(errors.items())) or 'none'}  TCP connections opened {CONNECTS.get(name, 0)} "
        f"({100 * CONNECTS.get(name, 0) / max(1, len(recs)):.1f} per 100 requests)"
    )
    for kind in ("coverage", "lookup", "login", "page", "readyz"):
        rs = [r for r in recs if r.kind == kind]
        if not rs:
            continue
        good = [(r.done - r.at) * 1000 for r in rs if 200 <= r.status < 400]
        bad = Counter(r.status for r in rs if not 200 <= r.status < 400)
        say(
            f"            {kind:<8} {len(rs) / span:5.1f}/s  p50 {pct(good, 50):.0f} ms  p99 {pct(good, 99):.0f} ms  "
            f"errors {dict(sorted(bad.items())) or 'none'}"
        )


def fault_report(faults: Faults, end: float) -> None:
    for i, (name, at) in enumerate(faults.events):
        until = faults.events[i + 1][1] if i + 1 < len(faults.events) else end
        window = [r for r in SHARED.records if at <= r.done < until]
        probes = [r for r in window if r.kind == "readyz"]
        bad = [r for r in window if (r.status == 0 or r.status >= 500) and r.kind != "readyz"]
        by_status = Counter(r.status for r in bad)
        by_kind = Counter(r.kind for r in bad)
        line = f"  {name}: errors {dict(sorted(by_status.items())) or 'none'}"
        if bad:
            last = max(r.done for r in bad)
            after = [
                r.done for r in SHARED.records if r.kind == "upload" and r.status == 200 and r.at >= last
            ]
            line += (
                f" ({', '.join(f'{k} {n}' for k, n in by_kind.items())}); first error +{min(r.done for r in bad) - at:.1f} s, "
                f"last +{last - at:.1f} s; first accepted upload sent after it: "
                + (f"+{min(after) - at:.1f} s" if after else "none")
            )
        else:
            first = [r.done for r in SHARED.records if r.kind == "upload" and r.status == 200 and r.at >= at]
            line += "; first accepted upload sent after the fault: " + (
                f"+{min(first) - at:.1f} s" if first else "none"
            )
        if name in faults.notes:
            line += f"; {faults.notes[name]}"
        say(line)
        not_ready = [r for r in probes if r.status != 200]
        if not_ready:
            last = max(r.done for r in not_ready)
            ready = [r.done for r in probes if r.status == 200 and r.at >= last]
            say(
                f"      /readyz: {len(not_ready)} of {len(probes)} probes not ready "
                f"{dict(Counter(r.status for r in not_ready))}, from +{min(r.done for r in not_ready) - at:.1f} s "
                f"to +{last - at:.1f} s; ready again "
                + (f"+{min(ready) - at:.1f} s" if ready else "not before the next fault")
            )
        elif probes:
            say(f"      /readyz: ready in all {len(probes)} probes")


def worker_report(stack: Stack, faults: Faults) -> None:
    """Requests per web worker (pid, from gunicorn's access log) in each segment of the run."""
    counts: dict[str, Counter] = defaultdict(Counter)
    try:
        lines = stack.access_log.read_text().splitlines()
    except OSError:
        return
    killed = str(getattr(faults, "killed", ""))
    replacement = str(getattr(faults, "replacement", ""))
    first_served = None
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        pid = parts[0].strip("<>")
        counts[parts[2]][pid] += 1
        if pid == replacement and first_served is None:
            with contextlib.suppress(ValueError):
                stamp = line[line.rindex("[") + 1 : line.rindex("]")]
                first_served = datetime.strptime(stamp, "%d/%b/%Y:%H:%M:%S %z").timestamp()
    labels = ["before the faults"] + [f"after {name}" for name, _at in faults.events]
    kill_at = dict(faults.events).get("web worker SIGKILL")
    if first_served and kill_at:
        say(
            f"  the replacement worker {replacement} served its first request {first_served - kill_at:+.0f} s "
            "after the SIGKILL (access log, 1 s resolution)"
        )
    for key in sorted(
        counts,
        key=lambda k: (
            ("warmup", "baseline", "burst", "drain").index(k.split(":")[0])
            if k.split(":")[0] in ("warmup", "baseline", "burst", "drain")
            else 9,
            k,
        ),
    ):
        phase, _, seg = key.partition(":")
        seg_n = int(seg) if seg.isdigit() else 0
        label = labels[seg_n] if seg_n < len(labels) else seg
        total = sum(counts[key].values())
        parts = []
        for pid, n in counts[key].most_common():
            tag = " (killed)" if pid == killed else " (replacement)" if pid == replacement else ""
            parts.append(f"{pid}{tag} {n} ({100 * n / total:.0f}%)")
        say(f"  {phase:<9} {label}: " + ", ".join(parts))


def exactness(stack: Stack, world_file: Path) -> dict:
    sent = list(SHARED.outcomes)
    accepted = [cid for cid, st in SHARED.outcomes.items() if "accepted" in st]
    twice = sum(1 for st in SHARED.outcomes.values() if st.count("accepted") > 1)
    seen = stack.dir / "seen.json"
    out = stack.dir / "exactness.json"
    seen.write_text(json.dumps({"sent": sent, "accepted": accepted, "answered_twice": twice}))
    stack.python("-m", "loadtest.world", "check", str(world_file), str(seen), str(out))
    result = json.loads(out.read_text())
    never = [cid for cid, st in SHARED.outcomes.items() if not st]
    answers = Counter(st[-1] if st else "never answered" for st in SHARED.outcomes.values())
    result["answers"] = dict(answers)
    if never:
        result["problems"].append(
            f"{len(never)} scans never answered (still queued on a phone after the drain)"
        )
    return result


# ------------------------------------------------------------------------------ main


def main() -> int:
    def stop(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    began = time.time()
    stack = Stack(workers=WORKERS, threads=THREADS)
    env = None
    failed = True
    try:
        say(
            f"loadtest{' (short)' if SHORT else ''}: {TABLES} tables, {PEOPLE} people, {RATE:g} scans/s then x{FACTOR:g}; "
            f"gunicorn {WORKERS}x{THREADS}; {load()}; folder {stack.dir}"
        )
        stack.start_postgres()
        stack.start_redis()
        say(f"  PostgreSQL on {stack.pg_port}, Redis on {stack.redis_port} ({time.time() - began:.0f} s)")
        stack.python("manage.py", "migrate", "--noinput", "-v", "0")
        stack.python("-m", "wangge", "seed-demo", "--quiet", "--people", str(PEOPLE))
        world_file = stack.dir / "world.json"
        stack.python("-m", "loadtest.world", "setup", str(TABLES), str(world_file))
        world = json.loads(world_file.read_text())
        say(
            f"  migrated, seeded, round {world['round_id']} open with {len(world['people'])} people due ({time.time() - began:.0f} s)"
        )
        stack.start_gunicorn()
        stack.start_celery()
        say(
            f"  gunicorn on {stack.web_port} (workers {stack.web_workers()}), Celery worker started ({time.time() - began:.0f} s)"
        )

        SHARED.world = world
        people = world["people"]
        SHARED.people_slices = [people[i::TABLES] for i in range(TABLES)]
        TableUser.fixed_count = TABLES
        DashboardUser.fixed_count = DASHBOARDS
        LookupUser.fixed_count = LOOKUPS
        ProbeUser.fixed_count = PROBES
        host = f"http://127.0.0.1:{stack.web_port}"
        for cls in (TableUser, DashboardUser, LookupUser, ProbeUser):
            cls.host = host
        env = Environment(user_classes=[TableUser, DashboardUser, LookupUser, ProbeUser], host=host)
        runner = env.create_local_runner()
        SHARED.phase = "warmup"
        users = TABLES + DASHBOARDS + LOOKUPS + PROBES
        runner.start(users, spawn_rate=users)
        deadline = time.time() + 300
        while time.time() < deadline and not (
            len(SHARED.tables) == TABLES and all(hasattr(t, "flusher") for t in SHARED.tables)
        ):
            gevent.sleep(0.2)
        if len(SHARED.tables) != TABLES:
            raise RuntimeError("the tables did not all log in")
        say(f"  {TABLES} tables logged in and loaded their page ({time.time() - began:.0f} s); {load()}")

        spans = {}
        start, _ = run_phase("baseline", RATE)
        gevent.sleep(BASELINE_S)
        spans["baseline"] = (start, time.time(), load())
        faults = Faults()
        start, _ = run_phase("burst", RATE * FACTOR)
        burst(stack, faults)
        spans["burst"] = (start, time.time(), load())
        start = time.time()
        drained = drain()
        spans["drain"] = (start, time.time(), load())
        end = time.time()
        SHARED.running = False
        for t in SHARED.tables:
            t.flusher.kill()
        runner.quit()

        say("\nPhases (scans answered by 200 uploads; errors by HTTP status, 0 = no answer):")
        for name, (s, e, ld) in spans.items():
            phase_report(name, s, e)
            say(f"            {ld}")
        say(
            f"  drain took {drained:.1f} s{' (gave up: queues still held scans)' if any(t.queue for t in SHARED.tables) else ''}"
        )
        say("\nFaults (errors = 5xx and no answer, any client but the /readyz probe, until the next fault):")
        fault_report(faults, end)
        say("\nRequests per web worker (gunicorn access log), by segment of the run:")
        worker_report(stack, faults)
        pong = stack.celery_answers()
        say(
            "\nCelery worker after Redis came back: "
            + (f"answers a ping ({pong:.1f} s)" if pong is not None else "DOES NOT answer a ping within 30 s")
        )
        result = exactness(stack, world_file)
        say(
            f"\nExactness: scans sent {result['sent']}, answered {result['answers']}; rows stored {result['stored']} "
            f"(people sampled {result['people_sampled']}, Due tested {result['due_tested']}), tubes {result['tubes']}, "
            f"counters {'== full recount' if result['counters_equal_recount'] else '!= full recount'}"
        )
        if result["problems"]:
            say("EXACTNESS FAILED: " + "; ".join(result["problems"]))
        else:
            say(
                "EXACT: every scan answered accepted is stored once, nothing else is stored, nobody sampled twice, counters equal a recount."
            )
        say(f"loadtest took {time.time() - began:.0f} s; {load()}")
        failed = False
        return 1 if result["problems"] else 0
    except KeyboardInterrupt:
        say("loadtest interrupted: stopping everything it started")
        failed = False  # nothing to look into: remove the folder too (unless LOADTEST_KEEP)
        return 130
    finally:
        SHARED.running = False
        stopping = time.time()
        if env is not None and env.runner is not None:
            env.runner.quit()
        quit_s = time.time() - stopping
        stack.close(keep=KEEP or failed)
        say(
            f"stopped the clients in {quit_s:.1f} s and the services in {time.time() - stopping - quit_s:.1f} s"
        )
        if KEEP or failed:
            say(f"logs kept in {stack.dir}")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as exc:  # noqa: BLE001
        print(f"loadtest failed: {exc!r}", file=sys.stderr)
        sys.exit(2)
