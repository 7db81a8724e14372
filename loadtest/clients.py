"""The simulated clients of a round's morning, as Locust users.

TableUser is one registrar's phone at one sampling table, doing what wangge/static/wangge/table.js
does: it logs in with the login form (session cookie), loads the table page and takes its CSRF
token, then for every person swabbed puts a scan (a uuid4 made on the phone, the tube, the code
or the typed ID number) in its queue and sends the queue to POST …/upload: at once when nothing is
in flight (so a quiet table sends batches of one), else the next batch takes everything queued
since (up to 200 actions), scans before removals and seals in the page's order. A tube holds 10;
a full tube is sealed (a "seal" action) and the next scan opens a new one; now and then the
registrar switches tubes early ("open" with "seal"), removes a person, or someone already swabbed
comes again. An answer other than 200, or no answer, keeps the batch queued and backs off
(2^failures s, at most 60 s) like the page; a new scan sends at once again; a tick every 3 s
retries when the back-off has passed. So a scan is sent with the same client_id until answered.

DashboardUser polls a round's coverage and progress; LookupUser searches the registry and
resolves personal codes, as staff at a desk do; ProbeUser asks /readyz every second, as a load
balancer would.

The run's shared state (phase, rate, records) lives in `Shared`; run.py drives it.
"""

from __future__ import annotations

import random
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import gevent
import urllib3.connection
from gevent.event import Event
from locust import HttpUser, task

BATCH = 200
TICK_S = 3.0
MAX_BACKOFF_S = 60.0
TIMEOUT_S = 30.0
# Tables that log in through the login form; the others start with a session made beforehand.
FORM_LOGINS = 2


@dataclass
class Record:
    at: float  # when the request was sent (time.time())
    done: float  # when its answer (or error) came
    kind: str  # upload, login, page, coverage, lookup
    phase: str
    segment: int
    status: int  # 0: no answer (connection refused, reset, timeout)
    scans: int = 0  # scans in the request (uploads)


@dataclass
class Shared:
    world: dict[str, Any] = field(default_factory=dict)
    phase: str = "setup"
    segment: int = 0  # increments at each fault, to tell the access log's requests apart
    rate: float = 0.0  # scans per second over all tables
    running: bool = True
    records: list[Record] = field(default_factory=list)
    scans_made: dict[str, int] = field(default_factory=dict)  # phase -> scans put in queues
    outcomes: dict[str, list[str]] = field(default_factory=dict)  # client_id -> statuses answered
    tables: list[TableUser] = field(default_factory=list)
    people_slices: list[list[dict]] = field(default_factory=list)

    def record(self, **kw) -> None:
        self.records.append(Record(phase=self.phase, segment=self.segment, **kw))

    def header(self) -> dict[str, str]:
        return {"X-Loadtest-Phase": f"{self.phase}:{self.segment}"}


SHARED = Shared()

# TCP connections opened, per phase: urllib3 reconnects a pooled connection the server closed
# (idle keep-alive timeout, `Connection: close`) through connect(), without a new pool entry.
CONNECTS: dict[str, int] = {}
_connect = urllib3.connection.HTTPConnection.connect


def _counted_connect(self) -> None:
    CONNECTS[SHARED.phase] = CONNECTS.get(SHARED.phase, 0) + 1
    _connect(self)


urllib3.connection.HTTPConnection.connect = _counted_connect  # type: ignore[method-assign]


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


class _Browser(HttpUser):
    """A user with a cookie session (requests, keep-alive) that logs in like the login page."""

    abstract = True

    def request(self, method: str, path: str, kind: str, scans: int = 0, **kw):
        sent = time.time()
        headers = {**SHARED.header(), **kw.pop("headers", {})}
        try:
            resp = self.client.request(
                method, path, headers=headers, timeout=TIMEOUT_S, name=kind, allow_redirects=False, **kw
            )
            status = resp.status_code or 0
        except Exception:  # noqa: BLE001 (any failure is "no answer", like fetch's rejection)
            resp, status = None, 0
        SHARED.record(at=sent, done=time.time(), kind=kind, status=status, scans=scans)
        return resp, status

    def login(self, username: str, password: str) -> None:
        while SHARED.running:
            resp, status = self.request("GET", "/accounts/login/", "login")
            token = self.client.cookies.get("csrftoken")
            if status == 200 and token:
                resp, status = self.request(
                    "POST",
                    "/accounts/login/",
                    "login",
                    data={"csrfmiddlewaretoken": token, "username": username, "password": password},
                    headers={"Referer": f"{self.host}/accounts/login/"},
                )
                if status == 302 and self.client.cookies.get("sessionid"):
                    return
            gevent.sleep(2)

    def connections(self) -> int:
        """TCP connections this user has opened so far."""
        adapter = self.client.get_adapter(self.host)
        return sum(
            getattr(pool, "num_connections", 0) for pool in adapter.poolmanager.pools._container.values()
        )


class TableUser(_Browser):
    fixed_count = 0  # set by run.py
    wait_time = staticmethod(lambda: 0)

    def on_start(self) -> None:
        w = SHARED.world
        self.index = len(SHARED.tables)
        SHARED.tables.append(self)
        self.table_no = self.index + 1
        self.rng = random.Random(self.table_no)
        self.people = list(SHARED.people_slices[self.index])
        self.people.reverse()  # pop() from the end takes them in order
        self.swabbed: list[dict] = []
        self.queue: list[dict] = []
        self.tube: dict | None = None
        self.tube_seq = 0
        self.failures = 0
        self.next_try_at = 0.0
        self.in_flight = False
        self.kick = Event()
        if self.index < FORM_LOGINS:
            self.login(w["logins"][self.index], w["password"])
        else:  # logged in before the round (the session the login form would have made)
            self.client.cookies.set("sessionid", w["sessions"][self.index])
        site = w["site_id"]
        self.upload_url = f"/api/v1/testing/sites/{site}/upload"
        while SHARED.running:
            resp, status = self.request("GET", f"/testing/sites/{site}/table/?table={self.table_no}", "page")
            match = (
                re.search(r'data-csrf="([^"]+)"', resp.text) if status == 200 and resp is not None else None
            )
            if match:
                self.csrf = match.group(1)
                break
            gevent.sleep(2)
        self.flusher = gevent.spawn(self.flush_loop)

    # ------------------------------------------------------------ the registrar

    @task
    def swab(self) -> None:
        """Scans arrive at this table's share of the phase's rate (exponential gaps)."""
        rate = SHARED.rate / max(1, len(SHARED.tables))
        if not SHARED.running or rate <= 0 or not self.people:
            gevent.sleep(0.5)
            return
        gevent.sleep(self.rng.expovariate(rate))
        if SHARED.rate > 0 and SHARED.running:
            self.check_in()

    def new_tube(self) -> dict:
        self.tube_seq += 1
        return {"barcode": f"LT{self.table_no:02d}X{self.tube_seq:05d}", "members": []}

    def check_in(self) -> None:
        cap = SHARED.world["capacity"]
        if self.tube is None:
            self.tube = self.new_tube()
        elif self.tube["members"] and self.rng.random() < 0.01:
            # the registrar takes a new tube before this one is full: "seal it and open the new one"
            old = self.tube
            self.tube = self.new_tube()
            self.enqueue(
                {"kind": "open", "tube": self.tube["barcode"], "capacity": cap, "seal": old["barcode"]}
            )
        if self.swabbed and self.rng.random() < 0.005:
            person = self.rng.choice(self.swabbed)  # someone already swabbed comes again
        else:
            person = self.people.pop()
            self.swabbed.append(person)
        scan = {
            "client_id": str(uuid.uuid4()),
            "tube": self.tube["barcode"],
            "scanned_at": _now_iso(),
            "capacity": cap,
            "retest": False,
            "id_type": person["id_type"] or "resident_id",
        }
        if self.rng.random() < 0.2:
            scan["id_number"] = person["id_number"]  # typed: no code at hand
        else:
            scan["code"] = person["code"]
        SHARED.scans_made[SHARED.phase] = SHARED.scans_made.get(SHARED.phase, 0) + 1
        SHARED.outcomes[scan["client_id"]] = []
        self.enqueue({"kind": "scan", "scan": scan})
        self.tube["members"].append(scan["client_id"])
        if self.rng.random() < 0.01:
            self.enqueue(
                {"kind": "removal", "client_id": scan["client_id"], "reason": "loadtest: wrong person"}
            )
            self.tube["members"].remove(scan["client_id"])
        if len(self.tube["members"]) >= cap:
            self.enqueue({"kind": "seal", "barcode": self.tube["barcode"]})
            self.tube = None

    def enqueue(self, op: dict) -> None:
        op["opid"] = str(uuid.uuid4())
        self.queue.append(op)
        self.next_try_at = 0.0  # flushSoon()
        self.kick.set()

    # ------------------------------------------------------------ the page's sender

    def flush_loop(self) -> None:
        while True:
            self.kick.wait(timeout=TICK_S)
            self.kick.clear()
            while self.queue and time.time() >= self.next_try_at:
                ok = self.flush()
                if not ok or self.failures:
                    break

    def next_batch(self) -> list[dict]:
        batch: list[dict] = []
        after_action = False
        for op in self.queue:
            if len(batch) >= BATCH:
                break
            if op["kind"] == "scan" and after_action:
                break
            if op["kind"] != "scan":
                after_action = True
            batch.append(op)
        return batch

    def flush(self) -> bool:
        batch = self.next_batch()
        body: dict[str, Any] = {
            "table_no": self.table_no,
            "scans": [],
            "removals": [],
            "seals": [],
            "opens": [],
        }
        for op in batch:
            if op["kind"] == "scan":
                body["scans"].append(op["scan"])
            elif op["kind"] == "removal":
                body["removals"].append({"client_id": op["client_id"], "reason": op["reason"]})
            elif op["kind"] == "seal":
                body["seals"].append(op["barcode"])
            else:
                body["opens"].append(
                    {"tube": op["tube"], "capacity": op["capacity"], "retest": False, "seal": op["seal"]}
                )
        self.in_flight = True
        resp, status = self.request(
            "POST",
            self.upload_url,
            "upload",
            scans=len(body["scans"]),
            json=body,
            headers={"X-CSRFToken": self.csrf, "Accept": "application/json"},
        )
        self.in_flight = False
        if status == 200 and resp is not None:
            try:
                data = resp.json()
            except ValueError:
                data = {}
            if self.apply(batch, data):
                self.failures = 0
                return True
        self.failures += 1
        self.next_try_at = time.time() + min(MAX_BACKOFF_S, 2.0**self.failures)
        return False

    def apply(self, batch: list[dict], data: dict) -> bool:
        results = {r["client_id"]: r for r in data.get("results", [])}
        keyed = {
            kind: {r["key"]: r for r in data.get(kind + "s", [])} for kind in ("removal", "seal", "open")
        }
        done = set()
        for op in batch:
            if op["kind"] == "scan":
                r = results.get(op["scan"]["client_id"])
                if r is None:
                    continue
                SHARED.outcomes[op["scan"]["client_id"]].append(
                    r["status"] if r["status"] != "refused" else "refused:" + r.get("reason", "")
                )
                if r["status"] == "refused":
                    # a removal queued for a refused scan has nothing to remove
                    cid = op["scan"]["client_id"]
                    self.queue = [
                        q for q in self.queue if not (q["kind"] == "removal" and q["client_id"] == cid)
                    ]
            else:
                key = (
                    op.get("client_id")
                    or "".join((op.get("barcode") or op.get("tube") or "").split()).upper()
                )
                answer = keyed[op["kind"]].get(key)
                if answer is None or answer.get("retry"):
                    continue  # not answered, or met an outage on its own: kept, sent again
            done.add(op["opid"])
        before = len(self.queue)
        self.queue = [op for op in self.queue if op["opid"] not in done]
        return len(self.queue) < before


class DashboardUser(_Browser):
    """A desk polling the round's coverage and the sites' progress, every 5 s."""

    fixed_count = 0
    wait_time = staticmethod(lambda: 5)

    def on_start(self) -> None:
        self.login(SHARED.world["dashboard_login"], SHARED.world["password"])

    @task
    def poll(self) -> None:
        rid = SHARED.world["round_id"]
        self.request("GET", f"/api/v1/testing/rounds/{rid}/coverage", "coverage")
        self.request("GET", f"/api/v1/testing/rounds/{rid}/progress", "coverage")


class LookupUser(_Browser):
    """Staff looking people up: a registry search, and a scanned code resolved, every 2 s."""

    fixed_count = 0
    wait_time = staticmethod(lambda: 2)

    def on_start(self) -> None:
        self.rng = random.Random(id(self))
        self.login(SHARED.world["dashboard_login"], SHARED.world["password"])
        self.csrf = self.client.cookies.get("csrftoken", "")

    @task
    def look_up(self) -> None:
        person = self.rng.choice(SHARED.world["people"])
        query = person["name"] if self.rng.random() < 0.5 else person["id_number"][-4:]
        self.request("GET", "/api/v1/registry/search", "lookup", params={"q": query, "limit": 20})
        self.request(
            "POST",
            "/api/v1/registry/codes/resolve",
            "lookup",
            json={"token": person["code"]},
            headers={"X-CSRFToken": self.csrf},
        )


class ProbeUser(_Browser):
    """A load balancer's readiness probe: GET /readyz every second (no session)."""

    fixed_count = 0
    wait_time = staticmethod(lambda: 1)

    @task
    def probe(self) -> None:
        self.request("GET", "/readyz", "readyz")
