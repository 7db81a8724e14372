"""At the table: tubes, check-ins (scan or typed ID → tube), removal and sealing.

`ingest` takes one scan or a batch from a registrar's phone. Each scan carries an id the phone
generated, so a retried or replayed upload is answered with what happened the first time and
never stored twice. The work is set-based (a handful of queries per batch, whatever its size):
the tubes and the Due rows touched are locked in id order, the samples are inserted with
ON CONFLICT DO NOTHING (a concurrent replay or a person checked in at two tables at once loses
cleanly), and the Due rows, tube counts and coverage counters change in the same transaction.

On PostgreSQL the common single scan (someone due, into the tube open at the table, or one named
for the first time) is read, checked and stored by the database in one call (`check_in_one`;
the function is migration 0010, and the tests hold it to the rows written here); it writes
nothing for anything else, which this module then decides.

A table has one open tube at a time. `open_tube` refuses a new tube while another holds people,
naming it, unless told to seal that one first (in the same transaction). A phone's queued scans
that name a new tube (the registrar opened it while offline) mean the same: the table's other
open tubes are sealed when the batch is stored, recorded in the audit, and no scan is lost.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DataError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import Actor, Scope, has_permission, not_found, require, require_path, scope_of
from wangge.core.db import any_of, current, hot_cursor, pg_array
from wangge.core.masking import mask_id
from wangge.registry.codes.services import parse_token
from wangge.registry.identity import check_document
from wangge.registry.models import IdType, Person
from wangge.testing import counters
from wangge.testing import permissions as perms
from wangge.testing.models import (
    COUNTER_SHARDS,
    POOL_SIZES,
    Due,
    DueSource,
    DueStatus,
    Retest,
    RetestStatus,
    Round,
    RoundStatus,
    Sample,
    SampleMethod,
    Site,
    ThroughputCounter,
    Tube,
    TubeKind,
    TubeStatus,
)

ACCEPTED = "accepted"
DUPLICATE = "duplicate"
REFUSED = "refused"
MAX_BATCH = 500
# A phone's clock may be wrong; a scan claiming to be from far in the future is taken as now.
CLOCK_SLACK = timedelta(minutes=10)


@dataclass
class ScanIn:
    client_id: uuid.UUID
    tube: str
    code: str = ""
    id_number: str = ""
    id_type: str = IdType.RESIDENT_ID
    scanned_at: datetime | None = None
    capacity: int | None = None
    retest: bool = False
    # A walk-in not in the registry: registered on the spot as a provisional person.
    walk_in_name: str = ""
    walk_in_phone: str = ""
    walk_in_grid_id: int | None = None


@dataclass
class ScanOutcome:
    client_id: uuid.UUID
    status: str
    reason: str = ""
    message: str = ""
    person_name: str = ""
    person_id: str = ""  # masked
    tube: str = ""
    filled: int = 0
    capacity: int = 0
    tube_full: bool = False

    def as_dict(self) -> dict:
        return {
            "client_id": str(self.client_id),
            "status": self.status,
            "reason": self.reason,
            "message": self.message,
            "person_name": self.person_name,
            "person_id": self.person_id,
            "tube": self.tube,
            "filled": self.filled,
            "capacity": self.capacity,
            "tube_full": self.tube_full,
        }


@dataclass
class _TubeState:
    tube: Tube
    added: list = field(default_factory=list)
    created: bool = False  # opened by this batch

    @property
    def filled(self) -> int:
        return self.tube.filled + len(self.added)


@dataclass(slots=True)
class _Who:
    """A person as the check-in reads them (one row of a raw query): no model instance per scan."""

    pk: int
    name: str
    id_type: str
    id_number: str
    path: str
    grid_id: int
    household_id: int | None
    code_version: int
    short_code: str
    merged_into_id: int | None
    is_active: bool


@dataclass(slots=True)
class _DueRow:
    """A Due row as locked by the check-in (pk, grid and path for the counters, status)."""

    pk: int
    person_id: int
    grid_id: int
    path: str
    status: str


@dataclass(slots=True)
class _SampleRow:
    """One scan to store: the columns of testing_sample by their attribute names."""

    client_id: uuid.UUID
    round_id: int
    tube: Tube
    tube_id: int
    person: Any
    person_id: int
    due: Any
    due_id: int | None
    site_id: int
    table_no: int
    is_retest: bool
    method: str
    scanned_at: datetime
    received_at: datetime
    registrar_id: int | None
    removed_reason: str = ""
    path: str = ""
    pk: int | None = None


def _barcode(raw: str) -> str:
    code = "".join((raw or "").split()).upper()
    if not code or len(code) > 40:
        raise ValidationError(_("Scan or type the tube's barcode."))
    return code


def _shard(site_id: int, table_no: int) -> int:
    return site_id * 31 + table_no


def site_for_registrar(actor: Actor, site_id: Any) -> Site:
    """The site (with its round), if the registrar may work at it; 404 otherwise. One raw query:
    every scan request starts here."""

    scope = scope_of(actor)
    try:
        site_id = int(site_id)
    except (TypeError, ValueError) as exc:
        raise not_found() from exc
    if scope.is_empty:
        raise not_found()
    with hot_cursor() as cur:
        cur.execute(
            "SELECT s.id, s.round_id, s.name, s.unit_id, s.tables, s.pool_size, s.path, "  # noqa: S608
            "r.status, r.starts_at, r.default_pool_size, r.path, r.name "
            f"FROM {Site._meta.db_table} s JOIN {Round._meta.db_table} r ON r.id = s.round_id "
            "WHERE s.id = %s AND s.path LIKE %s",
            [site_id, scope.path + "%"],
        )
        row = cur.fetchone()
    if row is None:
        raise not_found()
    rnd = Round(
        id=row[1],
        status=row[7],
        starts_at=_aware(row[8]),
        default_pool_size=row[9],
        path=row[10],
        name=row[11],
    )
    site = Site(
        id=row[0], round_id=row[1], name=row[2], unit_id=row[3], tables=row[4], pool_size=row[5], path=row[6]
    )
    site.round = rnd
    return site


def _aware(value):
    """A datetime from a raw query: SQLite gives naive UTC (or text), PostgreSQL aware."""
    from datetime import UTC

    from django.utils.dateparse import parse_datetime

    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    return value


def _refuse(scan: ScanIn, reason: str, message: str, **extra: Any) -> ScanOutcome:
    return ScanOutcome(client_id=scan.client_id, status=REFUSED, reason=reason, message=message, **extra)


def _describe(person: Any) -> dict:
    return {"person_name": person.name, "person_id": mask_id(person.id_number)}


def ingest(*, actor: Actor, site: Site, table_no: int, scans: list[ScanIn]) -> list[ScanOutcome]:
    """Check a batch of scans in. Returns one outcome per scan, in order."""
    require(actor, perms.TESTING_REGISTER)
    require_path(actor, site.path)
    if not scans:
        return []
    if len(scans) > MAX_BATCH:
        raise ValidationError(_("Send at most %(n)d scans at once.") % {"n": MAX_BATCH})
    rnd = site.round
    if rnd.status != RoundStatus.OPEN:
        raise ValidationError(_("This round is not open for sampling."))
    if not (1 <= int(table_no) <= max(site.tables, 1)):
        raise ValidationError(_("This site has no table %(n)s.") % {"n": table_no})
    scope = scope_of(actor)
    if _can_go_fast(scope, scans):
        try:
            with transaction.atomic():
                return _ingest(actor, scope, rnd, site, int(table_no), scans, fast=True)
        except _GoCareful:
            pass  # rolled back: a replay or a rare case met this batch; again, one step at a time
    with transaction.atomic():
        return _ingest(actor, scope, rnd, site, int(table_no), scans, fast=False)


# The error by which the database's check-in undoes a call that wrote something and then could
# not store the scan (migration testing 0010).
DECLINED_AFTER_A_WRITE = "22W01"


def check_in_one(*, actor: Actor, site_id: int, table_no: int, scan: ScanIn) -> ScanOutcome | None:
    """PostgreSQL, one call: the common single scan (someone due in the round, by a valid code or
    typed document, into the open, not full tube of their table at a site in the registrar's
    scope, or into a tube named for the first time, which it opens) read, checked and stored by
    the database (`testing_check_in_one`, migration 0010), with the same rows `ingest` writes:
    the sample, the Due row, the tube and its count, the counters, the throughput, the audit rows,
    and the table's other tubes holding people sealed when a new one is opened. None, with
    nothing written, for anything else (another site, a refusal, a re-test, a walk-in, a
    replay): `ingest` then decides."""
    if current().vendor != "postgresql" or scan.retest or scan.walk_in_name or not (1 <= table_no <= 32767):
        return None
    scope = scope_of(actor)
    if scope.is_empty or not has_permission(actor, perms.TESTING_REGISTER):
        return None
    try:
        barcode = _barcode(scan.tube)
    except ValidationError:
        return None
    keys = _person_keys([scan])
    if keys.errors:
        return None
    person_id, version = keys.by_pk.get(scan.client_id, (None, None))
    id_type, number = keys.by_doc.get(scan.client_id, ("", ""))
    scanned_at = scan.scanned_at
    if scanned_at is not None and timezone.is_naive(scanned_at):
        return None
    now = timezone.now()
    actor_id, actor_name, channel, request_id = audit.row_context(actor)
    conn = current()
    try:
        # Inside a transaction (a caller's, or a test's) under a savepoint, so that a call
        # declined after a write (its error undoes it) leaves that transaction usable.
        with transaction.atomic() if conn.in_atomic_block else nullcontext(), hot_cursor(conn) as cur:
            cur.execute(
                "SELECT * FROM testing_check_in_one(%s::bigint, %s::text, %s::integer, %s::bigint, %s::text, "
                "%s::uuid, %s::text, %s::bigint, %s::integer, %s::text, %s::text, %s::text, %s::timestamptz, "
                "%s::timestamptz, %s::timestamptz, %s::timestamptz, %s::interval, %s::integer, %s::text, %s::text, "
                "%s::integer, %s::integer[])",
                [
                    int(site_id),
                    scope.path,
                    int(table_no),
                    actor_id,
                    actor_name,
                    scan.client_id,
                    barcode,
                    person_id,
                    version,
                    id_type,
                    number,
                    SampleMethod.CODE if scan.code else SampleMethod.ID_TYPED,
                    scanned_at,
                    _hour(scanned_at) if scanned_at is not None else None,
                    now,
                    _hour(now),
                    CLOCK_SLACK,
                    _shard(int(site_id), int(table_no)) % COUNTER_SHARDS,
                    channel,
                    request_id,
                    scan.capacity if scan.capacity in POOL_SIZES else None,
                    list(POOL_SIZES),
                ],
            )
            row = cur.fetchone()
    except DataError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == DECLINED_AFTER_A_WRITE:
            return None
        raise
    if row is None:
        return None
    name, id_number, tube, filled, capacity = row
    return ScanOutcome(
        client_id=scan.client_id,
        status=ACCEPTED,
        person_name=name,
        person_id=mask_id(id_number),
        tube=tube,
        filled=filled,
        capacity=capacity,
        tube_full=filled >= capacity,
    )


def _hour(at: datetime) -> datetime:
    """The hour a scan counts in (in its own offset, as `_throughput_sql` buckets it)."""
    return at.replace(minute=0, second=0, microsecond=0)


class _GoCareful(Exception):
    """The fast way cannot store this batch exactly: roll it back and store it step by step."""


def _can_go_fast(scope: Scope, scans: list[ScanIn]) -> bool:
    """Two statements for the whole batch (PostgreSQL): one reads and locks the tubes, the people
    and their Due rows, one stores the scans with everything that follows from them, and stops
    the transaction unless every scan was stored. Walk-ins and re-tests go step by step."""
    if current().vendor != "postgresql" or scope.is_empty:
        return False
    return not any(scan.retest or scan.walk_in_name for scan in scans)


def _ingest(
    actor: Actor, scope: Scope, rnd: Round, site: Site, table_no: int, scans: list[ScanIn], *, fast: bool
) -> list[ScanOutcome]:
    now = timezone.now()
    outcomes: dict[int, ScanOutcome] = {}

    # 1. Replays: an id seen before (in an earlier request or earlier in this batch).
    seen_in_batch: set = set()
    fresh: list[tuple[int, ScanIn]] = []
    for i, scan in enumerate(scans):
        if scan.client_id in seen_in_batch:
            outcomes[i] = ScanOutcome(client_id=scan.client_id, status=DUPLICATE)
        else:
            seen_in_batch.add(scan.client_id)
            fresh.append((i, scan))
    # Replays of earlier requests are not looked up first (that would cost every scan a query):
    # the insert ignores ids already stored, and refusals are checked against stored ids at the end.
    pending: list[tuple[int, ScanIn]] = list(fresh)

    # 2. Tubes: lock the ones named (creating those seen for the first time at this table).
    # 3. Walk-ins first (so that they resolve like everyone else), then people by code or typed
    #    document, inside the registrar's scope only, and their Due rows locked.
    wanted, tubes = _wanted_tubes(pending)
    if fast:
        keys = _person_keys([s for _, s in pending])
        found_tubes, created, found_people, dues = _read_locked(
            actor, scope, rnd, site, table_no, wanted, keys, now
        )
        tubes.update(_tubes_from(actor, rnd, site, table_no, wanted, found_tubes, now, created))
        people, person_errors = _people_from(scope, found_people, keys)
        missing = {p.pk for p in people.values()} - set(dues)
        if missing:  # merged records: the Due row is the surviving record's
            dues.update(_lock_dues(rnd.pk, missing))
    else:
        tubes.update(
            _tubes_from(actor, rnd, site, table_no, wanted, _select_tubes(rnd.pk, list(wanted)), now)
        )
        for i, scan in list(pending):
            if scan.walk_in_name and scan.id_number:
                problem = _register_walk_in(actor, site, scan)
                if problem:
                    outcomes[i] = _refuse(scan, "walk_in", problem)
                    pending.remove((i, scan))
        keys = _person_keys([s for _, s in pending])
        people, person_errors = _people_from(scope, _find_people(scope, keys), keys)
        dues = _lock_dues(rnd.pk, {p.pk for p in people.values()})
    retests = {}
    if any(scan.retest for _i, scan in pending) or any(
        isinstance(t, _TubeState) and t.tube.kind == TubeKind.RETEST for t in tubes.values()
    ):
        retests = {
            r.person_id: r
            for r in Retest.objects.filter(
                round=rnd, person_id__in={p.pk for p in people.values()}, status=RetestStatus.OPEN
            )
        }

    deltas = counters.Deltas()
    sampled_before: dict[int, Person] = {}  # refusals whose message says where and when (filled at the end)
    shard = _shard(site.pk, table_no)
    rows: list[_SampleRow] = []
    accepted_index: dict[uuid.UUID, int] = {}
    in_batch_people: set[tuple[int, bool]] = set()
    new_dues: list[Due] = []
    for i, scan in pending:
        tube_state = tubes.get(scan.tube)
        if isinstance(tube_state, ScanOutcome):
            outcomes[i] = _refuse(scan, tube_state.reason, tube_state.message, tube=scan.tube)
            continue
        tube = tube_state.tube
        tube_info = {"tube": tube.barcode, "filled": tube_state.filled, "capacity": tube.capacity}
        if scan.client_id in person_errors:
            reason, message = person_errors[scan.client_id]
            outcomes[i] = _refuse(scan, reason, message, **tube_info)
            continue
        person = people[scan.client_id]
        who = _describe(person)
        retest = scan.retest or tube.kind == TubeKind.RETEST
        if tube.status != TubeStatus.OPEN:
            outcomes[i] = _refuse(
                scan,
                "tube_sealed",
                _("Tube %(t)s is sealed: open a new tube.") % {"t": tube.barcode},
                **who,
                **tube_info,
            )
            continue
        if tube_state.filled >= tube.capacity:
            outcomes[i] = _refuse(
                scan,
                "tube_full",
                _("Tube %(t)s is full: seal it and open a new one.") % {"t": tube.barcode},
                **who,
                **tube_info,
                tube_full=True,
            )
            continue
        if (person.pk, retest) in in_batch_people:
            outcomes[i] = _refuse(scan, "already_sampled", _("Scanned twice in a row."), **who, **tube_info)
            continue
        due = dues.get(person.pk)
        if retest:
            if tube.kind != TubeKind.RETEST or person.pk not in retests:
                outcomes[i] = _refuse(
                    scan,
                    "not_on_retest_list",
                    _("%(name)s is not on the re-test list of this round.") % {"name": person.name},
                    **who,
                    **tube_info,
                )
                continue
        else:
            if tube.kind == TubeKind.RETEST:
                outcomes[i] = _refuse(
                    scan, "retest_tube", _("This is a re-test tube: use a pooled tube."), **who, **tube_info
                )
                continue
            if due is not None and due.status == DueStatus.TESTED:
                outcomes[i] = _refuse(scan, "already_sampled", "", **who, **tube_info)
                sampled_before[i] = person
                continue
            if due is None:
                due = Due(
                    round=rnd,
                    person_id=person.pk,
                    grid_id=person.grid_id,
                    pool_size=tube.capacity,
                    source=DueSource.SITE,
                    path=person.path,
                )
                dues[person.pk] = due
                new_dues.append(due)
        in_batch_people.add((person.pk, retest))
        tube_state.added.append(scan.client_id)
        scanned_at = scan.scanned_at
        if scanned_at is None or not (rnd.starts_at - timedelta(days=1) <= scanned_at <= now + CLOCK_SLACK):
            scanned_at = now  # no time, or a phone clock far off: the time it reached us
        rows.append(
            _SampleRow(
                client_id=scan.client_id,
                round_id=rnd.pk,
                tube=tube,
                tube_id=tube.pk,
                person=person,
                person_id=person.pk,
                due=due,
                due_id=due.pk if due is not None else None,
                site_id=site.pk,
                table_no=table_no,
                is_retest=retest,
                method=SampleMethod.CODE if scan.code else SampleMethod.ID_TYPED,
                scanned_at=scanned_at,
                received_at=now,
                registrar_id=actor.pk,
                path=person.path,
            )
        )
        accepted_index[scan.client_id] = i
        outcomes[i] = ScanOutcome(
            client_id=scan.client_id,
            status=ACCEPTED,
            **who,
            tube=tube.barcode,
            filled=tube_state.filled,
            capacity=tube.capacity,
            tube_full=tube_state.filled >= tube.capacity,
        )

    if new_dues:
        Due.objects.bulk_create(new_dues)
        for due in new_dues:
            deltas.add(rnd.pk, due.grid_id, due.path, shard, due=1)
        for row in rows:
            row.due_id = row.due.pk

    if fast:
        if any(r.is_retest for r in rows):
            raise _GoCareful  # a re-test tube: the re-test list needs the samples' ids
        _store_all(
            rows, _writes_after(actor, rnd, site, table_no, rows, dues, deltas, shard, now, tubes, retests)
        )
        return _finish(actor, site, table_no, scans, pending, tubes, outcomes, sampled_before, rnd)
    inserted = _insert_samples(rows)
    lost = [r for r in rows if r.client_id not in inserted]
    if lost:  # a concurrent request stored the same scan, or the same person at another table
        again = _earlier_samples([r.client_id for r in lost])
        for row in lost:
            i = accepted_index[row.client_id]
            tubes[row.tube.barcode].added.remove(row.client_id)
            outcomes[i] = again.get(row.client_id) or _refuse(
                scans[i], "already_sampled", "", **_describe(row.person)
            )
            sampled_before[i] = row.person
        rows = [r for r in rows if r.client_id in inserted]

    _write_all(_writes_after(actor, rnd, site, table_no, rows, dues, deltas, shard, now, tubes, retests))
    return _finish(actor, site, table_no, scans, pending, tubes, outcomes, sampled_before, rnd)


def _writes_after(
    actor: Actor,
    rnd: Round,
    site: Site,
    table_no: int,
    rows: list[_SampleRow],
    dues: dict,
    deltas: counters.Deltas,
    shard: int,
    now: datetime,
    tubes: dict,
    retests: dict,
) -> list[tuple[str, list]]:
    """The writes that follow from the stored scans: Due rows, tube counts, counters, throughput
    and the audit rows, to send as one statement on PostgreSQL."""
    writes: list[tuple[str, list]] = []
    writes.extend(_mark_tested(rnd, rows, dues, deltas, shard, now))
    _mark_retests(rows, retests)
    for state in tubes.values():
        if isinstance(state, _TubeState) and state.added:
            writes.append(
                (f"UPDATE {Tube._meta.db_table} SET filled = %s WHERE id = %s", [state.filled, state.tube.pk])  # noqa: S608
            )
    counter_write = counters.bump_sql(deltas)
    if counter_write is not None:
        writes.append(counter_write)
    if rows:
        writes.append(_throughput_sql(rnd.pk, site.pk, table_no, [r.scanned_at for r in rows]))
        for state in tubes.values():
            if isinstance(state, _TubeState) and state.added:
                writes.append(
                    audit.record_sql(
                        actor=actor,
                        action=Action.UPDATE,
                        obj=state.tube,
                        after={"added": [str(c) for c in state.added], "filled": state.filled},
                    )
                )
    return writes


def _finish(
    actor: Actor,
    site: Site,
    table_no: int,
    scans: list[ScanIn],
    pending: list[tuple[int, ScanIn]],
    tubes: dict,
    outcomes: dict[int, ScanOutcome],
    sampled_before: dict[int, Any],
    rnd: Round,
) -> list[ScanOutcome]:
    # One open tube per table: the batch opened a new tube (the registrar took the next tube, maybe
    # while offline), so the tube it replaces is sealed, as they meant.
    current = None
    for _i, scan in pending:
        state = tubes.get(scan.tube)
        if isinstance(state, _TubeState):
            current = state
    if current is not None and current.created:
        _seal_others(actor, site, table_no, current.tube)
    # A refused scan may be the replay of one stored earlier (even by a request still in flight
    # when this one started): answer it as a duplicate with what was stored.
    refused = [i for i, o in outcomes.items() if o.status == REFUSED]
    if refused:
        stored = _earlier_samples([scans[i].client_id for i in refused])
        for i in refused:
            if scans[i].client_id in stored:
                outcomes[i] = stored[scans[i].client_id]
    still = {i: p for i, p in sampled_before.items() if outcomes[i].status == REFUSED}
    if still:
        messages = _already_sampled_messages(rnd, list(still.values()))
        for i, person in still.items():
            outcomes[i].message = messages[person.pk]
    return [outcomes[i] for i in range(len(scans))]


def _lock_dues(round_id: int, person_ids: set[int]) -> dict[int, Any]:
    """The Due rows of these people, locked in id order (one raw query: this is the hot path)."""
    if not person_ids:
        return {}
    table = Due._meta.db_table
    conn = current()
    lock = " FOR UPDATE" if conn.features.has_select_for_update else ""
    among, ids = any_of("person_id", sorted(person_ids), "bigint", conn)
    with hot_cursor(conn) as cur:
        cur.execute(
            f"SELECT id, person_id, grid_id, path, status FROM {table} "  # noqa: S608
            f"WHERE round_id = %s AND {among} ORDER BY id{lock}",
            [round_id, *ids],
        )
        rows = cur.fetchall()
    return {row[1]: _DueRow(*row) for row in rows}


def _register_walk_in(actor: Actor, site: Site, scan: ScanIn) -> str:
    """Register a walk-in unless their document is already known in scope. '' or the problem."""
    from wangge.org.models import OrgUnit
    from wangge.registry.permissions import REGISTRY_EDIT
    from wangge.registry.services import register_provisional

    scope = scope_of(actor)
    try:
        checked = check_document(scan.id_type or IdType.RESIDENT_ID, scan.id_number)
    except ValidationError as exc:
        return exc.messages[0]
    if scope.filter(
        Person.objects.filter(id_type=checked.id_type, id_number=checked.number, is_active=True)
    ).exists():
        return ""
    grid = None
    if scan.walk_in_grid_id:
        grid = scope.filter(OrgUnit.objects.filter(pk=scan.walk_in_grid_id)).first()
    if grid is None:
        grid = default_grid(site)
    if grid is None:
        return _("Choose the grid where this person lives.")
    try:
        with transaction.atomic():
            register_provisional(
                actor=actor,
                grid=grid,
                name=scan.walk_in_name,
                id_type=checked.id_type,
                id_number=checked.number,
                phone=scan.walk_in_phone,
                note_origin=_("walk-in at %(site)s") % {"site": site.name},
                allowed_by=(REGISTRY_EDIT, perms.TESTING_REGISTER),
            )
    except ValidationError as exc:
        return "; ".join(exc.messages)
    return ""


def default_grid(site: Site):
    """Where a walk-in is put when the registrar does not say: the site's grid, else the first it serves."""
    from wangge.org.models import Level

    if site.unit.level == Level.GRID:
        return site.unit
    return site.grids.order_by("path").first()


def _already_sampled_messages(rnd: Round, people: list[Any]) -> dict[int, str]:
    """Where and when each of these people was sampled in the round (one query for all)."""
    samples = {
        s.person_id: s
        for s in Sample.objects.filter(
            round=rnd, person_id__in={p.pk for p in people}, removed_at__isnull=True, is_retest=False
        ).select_related("site", "tube")
    }
    return {p.pk: _already_sampled_message(p, samples.get(p.pk)) for p in people}


def _already_sampled_message(person: Any, sample: Sample | None) -> str:
    if sample is None:
        return _("%(name)s has already been sampled in this round.") % {"name": person.name}
    return _(
        "%(name)s was already sampled in this round: %(site)s, table %(table)s, tube %(tube)s at %(time)s."
    ) % {
        "name": person.name,
        "site": sample.site.name,
        "table": sample.table_no,
        "tube": sample.tube.barcode,
        "time": timezone.localtime(sample.scanned_at).strftime("%H:%M"),
    }


def _earlier_samples(client_ids: list) -> dict[uuid.UUID, ScanOutcome]:
    if not client_ids:
        return {}
    out = {}
    for s in Sample.objects.filter(client_id__in=client_ids).select_related("person", "tube"):
        out[s.client_id] = ScanOutcome(
            client_id=s.client_id,
            status=DUPLICATE,
            message=_("Already received."),
            **_describe(s.person),
            tube=s.tube.barcode,
            filled=s.tube.filled,
            capacity=s.tube.capacity,
            tube_full=s.tube.filled >= s.tube.capacity,
        )
    return out


TUBE_COLUMNS = ("id", "barcode", "site_id", "table_no", "kind", "capacity", "filled", "status", "path")


def _select_tubes(round_id: int, barcodes: list[str]) -> dict[str, Tube]:
    """Tubes of a round by barcode, locked in id order (raw: this is the hot path)."""
    conn = current()
    lock = " FOR UPDATE" if conn.features.has_select_for_update else ""
    among, codes = any_of("barcode", barcodes, "text", conn)
    with hot_cursor(conn) as cur:
        cur.execute(
            f"SELECT {', '.join(TUBE_COLUMNS)} FROM {Tube._meta.db_table} "  # noqa: S608
            f"WHERE round_id = %s AND {among} ORDER BY id{lock}",
            [round_id, *codes],
        )
        rows = cur.fetchall()
    return {row[1]: Tube(round_id=round_id, **dict(zip(TUBE_COLUMNS, row, strict=True))) for row in rows}


def _wanted_tubes(
    pending: list[tuple[int, ScanIn]],
) -> tuple[dict[str, ScanIn], dict[str, _TubeState | ScanOutcome]]:
    """The barcodes named (cleaned, each with its first scan), and refusals of unreadable ones."""
    out: dict[str, _TubeState | ScanOutcome] = {}
    wanted: dict[str, ScanIn] = {}
    for _i, scan in pending:
        try:
            scan.tube = _barcode(scan.tube)
        except ValidationError as exc:
            out[scan.tube] = ScanOutcome(
                client_id=scan.client_id, status=REFUSED, reason="no_tube", message=exc.messages[0]
            )
            continue
        wanted.setdefault(scan.tube, scan)
    return wanted, out


def _tubes_from(
    actor: Actor,
    rnd: Round,
    site: Site,
    table_no: int,
    wanted: dict[str, ScanIn],
    found: dict[str, Tube],
    now: datetime,
    created: frozenset[str] = frozenset(),
) -> dict[str, _TubeState | ScanOutcome]:
    """The tubes named, as found (locked), those seen for the first time created at this table
    (`created`: already created by the caller)."""
    out: dict[str, _TubeState | ScanOutcome] = {}
    if not wanted:
        return out
    missing = [b for b in wanted if b not in found]
    if missing:
        new = []
        for barcode in missing:
            kind, capacity = _new_tube_kind(rnd, site, wanted[barcode])
            new.append(
                Tube(
                    round=rnd,
                    barcode=barcode,
                    site=site,
                    table_no=table_no,
                    kind=kind,
                    capacity=capacity,
                    opened_by_id=actor.pk,
                    opened_at=now,
                    path=site.path,
                )
            )
        Tube.objects.bulk_create(new, ignore_conflicts=True)
        found = {**found, **_select_tubes(rnd.pk, missing)}
    for barcode, tube in found.items():
        if tube.site_id != site.pk:
            out[barcode] = ScanOutcome(
                client_id=uuid.uuid4(),
                status=REFUSED,
                reason="tube_elsewhere",
                message=_("Tube %(t)s was opened at another site. Take a new tube.") % {"t": barcode},
            )
        elif tube.table_no != table_no:
            out[barcode] = ScanOutcome(
                client_id=uuid.uuid4(),
                status=REFUSED,
                reason="tube_elsewhere",
                message=_("Tube %(t)s belongs to table %(n)s. Take a new tube.")
                % {"t": barcode, "n": tube.table_no},
            )
        else:
            out[barcode] = _TubeState(tube, created=barcode in missing or barcode in created)
    return out


def _new_tube_kind(rnd: Round, site: Site, first: ScanIn) -> tuple[str, int]:
    """The kind and places of a tube first named by this scan."""
    retest = bool(first.retest)
    capacity = 1 if retest else (first.capacity if first.capacity in POOL_SIZES else None)
    capacity = capacity or site.pool_size or rnd.default_pool_size
    return (TubeKind.RETEST if retest else (TubeKind.SINGLE if capacity == 1 else TubeKind.POOL)), capacity


@dataclass
class _PersonKeys:
    """What the scans name: client_id → (pk, code version) for codes, → (type, number) for typed
    documents, → (reason, message) for scans that name no one readable."""

    by_pk: dict = field(default_factory=dict)
    by_doc: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)

    @property
    def pks(self) -> list[int]:
        return [pk for pk, _v in self.by_pk.values()]

    @property
    def numbers(self) -> list[str]:
        return [n for _t, n in self.by_doc.values()]


def _person_keys(scans: list[ScanIn]) -> _PersonKeys:
    keys = _PersonKeys()
    for scan in scans:
        if scan.code:
            parsed = parse_token(scan.code)
            if parsed is None:
                keys.errors[scan.client_id] = ("unknown_code", _("This code is not a Wangge personal code."))
            else:
                keys.by_pk[scan.client_id] = parsed
        elif scan.id_number:
            try:
                checked = check_document(scan.id_type or IdType.RESIDENT_ID, scan.id_number)
            except ValidationError as exc:
                keys.errors[scan.client_id] = ("bad_id", exc.messages[0])
            else:
                keys.by_doc[scan.client_id] = (checked.id_type, checked.number)
        else:
            keys.errors[scan.client_id] = ("no_person", _("Scan the person's code or type their ID number."))
    return keys


def _find_people(scope, keys: _PersonKeys) -> list[_Who]:
    if scope.is_empty:
        return []
    return _select_people(scope.path, keys.pks, keys.numbers)


def _people_from(scope, found: list[_Who], keys: _PersonKeys) -> tuple[dict, dict]:
    """client_id → person for scans that name someone in scope; client_id → (reason, message) otherwise."""
    errors = dict(keys.errors)
    if scope.is_empty:
        for cid in list(keys.by_pk) + list(keys.by_doc):
            errors[cid] = ("not_found", not_found_text())
        return {}, errors
    pks: dict = {p.pk: p for p in found}
    docs = {(p.id_type, p.id_number): p for p in found if p.is_active}
    merged_targets = {p.merged_into_id for p in found if p.merged_into_id}
    if merged_targets:
        for p in scope.filter(Person.objects.filter(pk__in=merged_targets, is_active=True)):
            pks.setdefault(p.pk, p)
    people: dict = {}
    for cid, (pk, version) in keys.by_pk.items():
        person = pks.get(pk)
        if person is None:
            errors[cid] = ("not_found", not_found_text())
        elif person.code_version != version:
            errors[cid] = (
                "revoked",
                _("This code has been revoked: ask for the new code or type the ID number."),
            )
        else:
            if person.merged_into_id:
                person = pks.get(person.merged_into_id)
            if person is None or not person.is_active:
                errors[cid] = ("not_found", not_found_text())
            else:
                people[cid] = person
    for cid, key in keys.by_doc.items():
        person = docs.get(key)
        if person is None:
            errors[cid] = ("not_found", not_found_text())
        else:
            people[cid] = person
    return people, errors


PERSON_COLUMNS = (
    "id",
    "name",
    "id_type",
    "id_number",
    "path",
    "grid_id",
    "household_id",
    "code_version",
    "short_code",
    "merged_into_id",
    "is_active",
)


def _people_where(scope_path: str, pks: list[int], numbers: list[str]) -> tuple[str, list]:
    """People in the scope named by primary key (codes) or active document number (typed IDs)."""
    where, params = [], [scope_path + "%"]
    if pks:
        among, values = any_of("id", pks, "bigint")
        where.append(among)
        params.extend(values)
    if numbers:
        among, values = any_of("id_number", numbers, "text")
        where.append(f"({among} AND is_active = %s)")
        params.extend([*values, True])
    return f"path LIKE %s AND ({' OR '.join(where)})", params


def _select_people(scope_path: str, pks: list[int], numbers: list[str]) -> list[_Who]:
    if not pks and not numbers:
        return []
    where, params = _people_where(scope_path, pks, numbers)
    with hot_cursor() as cur:
        cur.execute(
            f"SELECT {', '.join(PERSON_COLUMNS)} FROM {Person._meta.db_table} WHERE {where}",  # noqa: S608
            params,
        )
        rows = cur.fetchall()
    return [_Who(*row) for row in rows]


DUE_COLUMNS = ("id", "person_id", "grid_id", "path", "status")


def _read_locked(
    actor: Actor,
    scope: Scope,
    rnd: Round,
    site: Site,
    table_no: int,
    wanted: dict[str, ScanIn],
    keys: _PersonKeys,
    now: datetime,
) -> tuple[dict[str, Tube], frozenset[str], list[_Who], dict[int, _DueRow]]:
    """PostgreSQL, one statement: the tubes named (those not yet known created at this table)
    and the Due rows of the people named, locked in id order (tubes first, as `_select_tubes`
    then `_lock_dues` do, so that two requests never deadlock), and the people in scope. Each
    part comes back as one JSON array. A tube another request is creating at this instant is
    left out, and `_tubes_from` finds it once that request is done."""
    round_id = rnd.pk
    barcodes = list(wanted)
    tubes_where, params = "false", []
    if barcodes:
        tubes_where = "round_id = %s AND barcode = ANY(%s::text[])"
        params += [round_id, pg_array(barcodes)]
    kinds = [_new_tube_kind(rnd, site, wanted[b]) for b in barcodes]
    params += [round_id, site.pk, table_no, TubeStatus.OPEN, actor.pk, now, site.path]
    params += [pg_array(barcodes), pg_array([k for k, _c in kinds]), pg_array([c for _k, c in kinds])]
    people_where = "false"
    if keys.pks or keys.numbers:
        people_where, where_params = _people_where(scope.path, keys.pks, keys.numbers)
        params += where_params
    parts = [
        f"t AS (SELECT {', '.join(TUBE_COLUMNS)} FROM {Tube._meta.db_table} "  # noqa: S608
        f"WHERE {tubes_where} ORDER BY id FOR UPDATE)",
        f"new AS (INSERT INTO {Tube._meta.db_table} (round_id, barcode, site_id, table_no, kind, capacity, "  # noqa: S608
        "filled, status, opened_by_id, opened_at, result, result_conflict, path) "
        "SELECT %s, w.barcode, %s, %s, w.kind, w.capacity, 0, %s, %s, %s, '', false, %s "
        "FROM unnest(%s::text[], %s::text[], %s::smallint[]) AS w(barcode, kind, capacity) "
        "WHERE NOT EXISTS (SELECT 1 FROM t WHERE t.barcode = w.barcode) "
        f"ON CONFLICT DO NOTHING RETURNING {', '.join(TUBE_COLUMNS)})",
        f"who AS (SELECT {', '.join(PERSON_COLUMNS)} FROM {Person._meta.db_table} WHERE {people_where})",  # noqa: S608
        f"d AS (SELECT {', '.join(DUE_COLUMNS)} FROM {Due._meta.db_table} "  # noqa: S608
        "WHERE round_id = %s AND person_id IN (SELECT id FROM who) ORDER BY id FOR UPDATE)",
    ]
    params.append(round_id)

    def rows_of(name: str, columns: tuple[str, ...]) -> str:
        return f"(SELECT json_agg(json_build_array({', '.join(columns)})) FROM {name})"  # noqa: S608

    sql = (
        f"WITH {', '.join(parts)} "  # noqa: S608 - tables and columns are ours
        f"SELECT {rows_of('t', TUBE_COLUMNS)}, {rows_of('new', TUBE_COLUMNS)}, "
        f"{rows_of('who', PERSON_COLUMNS)}, {rows_of('d', DUE_COLUMNS)}"
    )
    with hot_cursor() as cur:
        cur.execute(sql, params)
        tube_rows, new_rows, people_rows, due_rows = cur.fetchone()
    tubes = {
        row[1]: Tube(round_id=round_id, **dict(zip(TUBE_COLUMNS, row, strict=True)))
        for row in (tube_rows or []) + (new_rows or [])
    }
    dues = {row[1]: _DueRow(*row) for row in due_rows or ()}
    return tubes, frozenset(row[1] for row in new_rows or ()), [_Who(*row) for row in people_rows or ()], dues


def not_found_text() -> str:
    return _(
        "No one with this code or ID number in your area: check the number, or register them as a walk-in."
    )


PG_ARRAY_TYPES = {
    "client_id": "uuid",
    "round_id": "bigint",
    "tube_id": "bigint",
    "person_id": "bigint",
    "due_id": "bigint",
    "site_id": "bigint",
    "table_no": "smallint",
    "is_retest": "boolean",
    "method": "text",
    "scanned_at": "timestamptz",
    "received_at": "timestamptz",
    "registrar_id": "bigint",
    "removed_reason": "text",
    "path": "text",
}


SAMPLE_FIELDS = (
    "client_id",
    "round",
    "tube",
    "person",
    "due",
    "site",
    "table_no",
    "is_retest",
    "method",
    "scanned_at",
    "received_at",
    "registrar",
    "removed_reason",
    "path",
)


def _sample_insert_sql(rows: list[_SampleRow]) -> tuple[str, list]:
    """PostgreSQL: the scans' INSERT … SELECT FROM unnest, one array per column (a 200-scan batch
    is 14 parameters, not 2,800)."""
    fields = [Sample._meta.get_field(name) for name in SAMPLE_FIELDS]
    columns = ", ".join(f.column for f in fields)
    arrays = [pg_array([getattr(row, f.attname) for row in rows]) for f in fields]
    casts = ", ".join(f"%s::{PG_ARRAY_TYPES[f.attname]}[]" for f in fields)
    return f"INSERT INTO {Sample._meta.db_table} ({columns}) SELECT * FROM unnest({casts})", arrays  # noqa: S608


def _insert_samples(rows: list[_SampleRow]) -> set:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id, client_id: the scans actually stored
    (their primary keys are set on the rows)."""
    if not rows:
        return set()
    conn = current()
    if conn.vendor == "postgresql":
        sql, params = _sample_insert_sql(rows)
    else:
        fields = [Sample._meta.get_field(name) for name in SAMPLE_FIELDS]
        table = Sample._meta.db_table
        columns = ", ".join(f.column for f in fields)
        one = "(" + ", ".join(["%s"] * len(fields)) + ")"
        sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(rows))}"  # noqa: S608
        params = [f.get_db_prep_save(getattr(row, f.attname), conn) for row in rows for f in fields]
    with hot_cursor(conn) as cur:
        cur.execute(sql + " ON CONFLICT DO NOTHING RETURNING id, client_id", params)
        returned = cur.fetchall()
    field = Sample._meta.get_field("client_id")
    ids = {field.to_python(client_id): pk for pk, client_id in returned}
    for row in rows:
        row.pk = ids.get(row.client_id)
    return set(ids)


def _store_all(rows: list[_SampleRow], writes: list[tuple[str, list]]) -> None:
    """PostgreSQL, one statement: the scans inserted and every write that follows from them. The
    writes assume every scan is stored; a scan already stored (a replay) or a person sampled
    meanwhile at another table makes the count differ, and the statement then fails on purpose
    (a division by zero, the one error nothing else here can raise): `ingest` rolls the batch back
    and stores it step by step."""
    if not rows:
        _write_all(writes)
        return
    insert, arrays = _sample_insert_sql(rows)
    ctes = [f"ins AS ({insert} ON CONFLICT DO NOTHING RETURNING 1)"]
    ctes += [f"w{i} AS ({sql})" for i, (sql, _params) in enumerate(writes)]
    params = [*arrays, *(p for _sql, ps in writes for p in ps), len(rows)]
    from psycopg import errors as pg_errors

    try:
        with hot_cursor() as cur:
            cur.execute(
                f"WITH {', '.join(ctes)} SELECT 1 / (CASE WHEN (SELECT count(*) FROM ins) = %s THEN 1 ELSE 0 END)",  # noqa: S608
                params,
            )
    except DataError as exc:
        if isinstance(exc.__cause__, pg_errors.DivisionByZero):
            raise _GoCareful from exc
        raise


def _mark_tested(
    rnd: Round, rows: list[_SampleRow], dues: dict, deltas: counters.Deltas, shard: int, now: datetime
) -> list[tuple[str, list]]:
    """Due rows of the people sampled become tested; returns the write to send."""
    writes: list[tuple[str, list]] = []
    first = [r for r in rows if not r.is_retest]
    if not first:
        return writes
    from_due, from_exempt = [], []
    for row in first:
        due = dues[row.person_id]
        (from_exempt if due.status == DueStatus.EXEMPT else from_due).append(due.pk)
        deltas.add(
            rnd.pk, due.grid_id, due.path, shard, tested=1, exempt=-1 if due.status == DueStatus.EXEMPT else 0
        )
        due.status = DueStatus.TESTED
    if from_due:
        field = Due._meta.get_field("tested_at")
        among, ids = any_of("id", from_due, "bigint")
        writes.append(
            (
                f"UPDATE {Due._meta.db_table} SET status = %s, tested_at = %s WHERE {among}",  # noqa: S608
                [DueStatus.TESTED, field.get_db_prep_save(now, connection), *ids],
            )
        )
    if from_exempt:
        Due.objects.filter(pk__in=from_exempt).update(
            status=DueStatus.TESTED, tested_at=now, exempt_reason="", exempt_note=""
        )
    return writes


def _mark_retests(rows: list[_SampleRow], retests: dict) -> None:
    for row in rows:
        if row.is_retest and row.person_id in retests:
            Retest.objects.filter(pk=retests[row.person_id].pk).update(
                status=RetestStatus.SAMPLED, sample_id=row.pk
            )


def _throughput_sql(round_id: int, site_id: int, table_no: int, times: list[datetime]) -> tuple[str, list]:
    """Samples per hour of sampling (the phone's time: a queued scan counts when it was taken)."""
    per_hour: dict[datetime, int] = defaultdict(int)
    for at in times:
        per_hour[_hour(at)] += 1
    table = ThroughputCounter._meta.db_table
    field = ThroughputCounter._meta.get_field("hour")
    rows = sorted(per_hour.items())
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
    params: list = []
    for hour, n in rows:
        params.extend([round_id, site_id, table_no, field.get_db_prep_save(hour, connection), n])
    return (
        f"INSERT INTO {table} (round_id, site_id, table_no, hour, samples) VALUES {values} "  # noqa: S608
        f"ON CONFLICT (round_id, site_id, table_no, hour) DO UPDATE SET samples = {table}.samples + excluded.samples",
        params,
    )


def _write_all(writes: list[tuple[str, list]]) -> None:
    """Run independent writes (different rows of different tables). On PostgreSQL they go as one
    statement of data-modifying CTEs (one round trip); elsewhere one after the other."""
    if not writes:
        return
    conn = current()
    with hot_cursor(conn) as cur:
        if conn.vendor == "postgresql" and len(writes) > 1:
            ctes = ", ".join(f"w{i} AS ({sql})" for i, (sql, _params) in enumerate(writes))
            cur.execute(f"WITH {ctes} SELECT 1", [p for _sql, params in writes for p in params])  # noqa: S608
        else:
            for sql, params in writes:
                cur.execute(sql, params)


# ----------------------------------------------------------------------------- tube actions


def _others_open(site: Site, table_no: int, keep: Tube | None) -> list[Tube]:
    """The other open tubes with people in them at this table, locked."""
    qs = Tube.objects.select_for_update().filter(
        round_id=site.round_id, site_id=site.pk, table_no=table_no, status=TubeStatus.OPEN, filled__gt=0
    )
    if keep is not None:
        qs = qs.exclude(pk=keep.pk)
    return list(qs.order_by("id"))


def _seal_for_new(actor: Actor, tube: Tube, new_barcode: str, how: str) -> None:
    tube.status, tube.sealed_at = TubeStatus.SEALED, timezone.now()
    tube.save(update_fields=["status", "sealed_at"])
    audit.record(
        actor=actor,
        action=Action.CLOSE,
        obj=tube,
        after={"status": tube.status, "filled": tube.filled, "sealed_for_new_tube": new_barcode, "how": how},
    )


def _seal_others(actor: Actor, site: Site, table_no: int, keep: Tube) -> None:
    """Seal the table's other open tubes that hold people: what every new tube of a queue does."""
    conn = current()
    if conn.vendor != "postgresql":
        for other in _others_open(site, table_no, keep):
            _seal_for_new(actor, other, keep.barcode, "queued_scans")
        return
    # One statement, locking in id order like _others_open (two requests of a table never
    # deadlock), then their audit rows in one more: this runs after every tenth scan.
    table = Tube._meta.db_table
    with hot_cursor(conn) as cur:
        cur.execute(
            f"UPDATE {table} SET status = %s, sealed_at = %s WHERE id IN ("  # noqa: S608
            f"SELECT id FROM {table} WHERE round_id = %s AND site_id = %s AND table_no = %s "
            "AND status = %s AND filled > 0 AND id <> %s ORDER BY id FOR UPDATE) "
            f"RETURNING {', '.join(TUBE_COLUMNS)}",
            [TubeStatus.SEALED, timezone.now(), site.round_id, site.pk, table_no, TubeStatus.OPEN, keep.pk],
        )
        sealed = [
            Tube(round_id=site.round_id, **dict(zip(TUBE_COLUMNS, row, strict=True)))
            for row in cur.fetchall()
        ]
    _write_all(
        [
            audit.record_sql(
                actor=actor,
                action=Action.CLOSE,
                obj=tube,
                after={
                    "status": tube.status,
                    "filled": tube.filled,
                    "sealed_for_new_tube": keep.barcode,
                    "how": "queued_scans",
                },
            )
            for tube in sorted(sealed, key=lambda t: t.pk)
        ]
    )


def open_tube_text(tube: Tube, new_barcode: str) -> str:
    return _(
        "Tube %(t)s is still open at table %(n)s with %(k)d people: seal it (or hand it over) "
        "before opening tube %(new)s."
    ) % {"t": tube.barcode, "n": tube.table_no, "k": tube.filled, "new": new_barcode}


@transaction.atomic
def open_tube(
    *,
    actor: Actor,
    site: Site,
    table_no: int,
    barcode: str,
    capacity: int | None = None,
    retest: bool = False,
    seal: str = "",
) -> Tube:
    """Open a new tube at a table. Refused while another tube there holds people, unless `seal`
    names that tube: it is then sealed first, in the same transaction. Opening a tube that is
    already open at this table changes nothing (a replayed request)."""
    require(actor, perms.TESTING_REGISTER)
    require_path(actor, site.path)
    rnd = site.round
    if rnd.status != RoundStatus.OPEN:
        raise ValidationError(_("This round is not open for sampling."))
    if not (1 <= int(table_no) <= max(site.tables, 1)):
        raise ValidationError(_("This site has no table %(n)s.") % {"n": table_no})
    table_no = int(table_no)
    barcode = _barcode(barcode)
    seal = "".join((seal or "").split()).upper()
    existing = Tube.objects.select_for_update().filter(round_id=rnd.pk, barcode=barcode).first()
    if existing is not None:
        if existing.site_id != site.pk:
            raise ValidationError(
                _("Tube %(t)s was opened at another site. Take a new tube.") % {"t": barcode}
            )
        if existing.table_no != table_no:
            raise ValidationError(
                _("Tube %(t)s belongs to table %(n)s. Take a new tube.")
                % {"t": barcode, "n": existing.table_no}
            )
        return existing
    others = _others_open(site, table_no, None)
    for other in others:
        if other.barcode != seal:
            raise ValidationError(open_tube_text(other, barcode), code="tube_open")
    for other in others:
        _seal_for_new(actor, other, barcode, "seal_and_open")
    default = site.pool_size or rnd.default_pool_size
    cap = 1 if retest else (capacity if capacity in POOL_SIZES else default)
    tube = Tube.objects.create(
        round_id=rnd.pk,
        barcode=barcode,
        site_id=site.pk,
        table_no=table_no,
        kind=TubeKind.RETEST if retest else (TubeKind.SINGLE if cap == 1 else TubeKind.POOL),
        capacity=cap,
        opened_by_id=actor.pk,
        path=site.path,
    )
    audit.record(
        actor=actor,
        action=Action.CREATE,
        obj=tube,
        after={"table": table_no, "capacity": cap, "sealed_first": [o.barcode for o in others]},
    )
    return tube


@transaction.atomic
def seal_tube(*, actor: Actor, tube: Tube) -> Tube:
    """Seal a tube (idempotent). An empty tube cannot be sealed: there is nothing to send."""
    require(actor, perms.TESTING_REGISTER)
    require_path(actor, tube.path)
    tube = Tube.objects.select_for_update().get(pk=tube.pk)
    if tube.status == TubeStatus.SEALED:
        return tube
    if tube.filled == 0:
        raise ValidationError(_("Tube %(t)s is empty: nothing to seal.") % {"t": tube.barcode})
    tube.status = TubeStatus.SEALED
    tube.sealed_at = timezone.now()
    tube.save(update_fields=["status", "sealed_at"])
    audit.record(
        actor=actor, action=Action.CLOSE, obj=tube, after={"status": tube.status, "filled": tube.filled}
    )
    return tube


@transaction.atomic
def remove_sample(*, actor: Actor, sample: Sample, reason: str) -> Sample:
    """Take a person out of a tube before it is sealed (wrong person, scanned twice…), with a reason.
    They become due again. Idempotent."""
    require(actor, perms.TESTING_REGISTER)
    require_path(actor, sample.path)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why this person is taken out of the tube.")})
    tube = Tube.objects.select_for_update().get(pk=sample.tube_id)
    sample = Sample.objects.select_for_update().get(pk=sample.pk)
    if sample.removed_at is not None:
        return sample
    if tube.status != TubeStatus.OPEN:
        raise ValidationError(
            _("Tube %(t)s is sealed: a sealed tube cannot be changed.") % {"t": tube.barcode}
        )
    sample.removed_at = timezone.now()
    sample.removed_reason = reason[:200]
    sample.removed_by = actor
    sample.save(update_fields=["removed_at", "removed_reason", "removed_by"])
    Tube.objects.filter(pk=tube.pk).update(filled=max(0, tube.filled - 1))
    deltas = counters.Deltas()
    if sample.is_retest:
        Retest.objects.filter(sample=sample).update(status=RetestStatus.OPEN, sample=None)
    else:
        due = Due.objects.select_for_update().get(pk=sample.due_id)
        if due.status == DueStatus.TESTED:
            due.status, due.tested_at = DueStatus.DUE, None
            due.save(update_fields=["status", "tested_at"])
            deltas.add(
                due.round_id, due.grid_id, due.path, _shard(sample.site_id, sample.table_no), tested=-1
            )
    counters.bump(deltas)
    audit.record(
        actor=actor,
        action=Action.UPDATE,
        obj=tube,
        after={"removed": str(sample.client_id), "reason": sample.removed_reason},
    )
    return sample


def can_register(actor: Actor) -> bool:
    return has_permission(actor, perms.TESTING_REGISTER)
