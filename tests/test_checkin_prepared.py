"""The check-in's hot statements keep one text whatever the batch, so that PostgreSQL prepares
them once per connection instead of planning them for every scan (core.db.hot_cursor)."""

import uuid

import pytest
from django.db import connection

from wangge.core.db import any_of, pg_array
from wangge.registry.codes.services import make_token
from wangge.testing import counters
from wangge.testing.checkin import services as checkin
from wangge.testing.checkin.services import ScanIn

pytestmark = pytest.mark.django_db


def test_a_list_filter_has_one_text_for_any_number_of_values():
    one, _params = any_of("id", [1], "bigint")
    three, params = any_of("id", [1, 2, 3], "bigint")
    if connection.vendor == "postgresql":
        assert one == three == "id = ANY(%s::bigint[])" and params == ["{1,2,3}"]
    else:
        assert three == "id IN (%s, %s, %s)" and params == [1, 2, 3]


def test_an_array_literal_quotes_text_and_keeps_nulls():
    assert pg_array([1, None, True]) == "{1,NULL,t}"
    assert pg_array(['a"b', "c\\d", ""]) == '{"a\\"b","c\\\\d",""}'


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_array_literals_read_back_as_written():
    values = ['a"b', "c\\d", "", "{x,y}", "甲 乙", None]
    with connection.cursor() as cur:
        cur.execute("SELECT %s::text[]", [pg_array(values)])
        assert cur.fetchone()[0] == values


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_scans_after_the_first_few_run_prepared_statements(testing):
    for n, person in enumerate(testing.people_a[:6]):
        scan = ScanIn(client_id=uuid.uuid4(), tube=f"P{n // 3}", code=make_token(person))
        [out] = checkin.ingest(actor=testing.registrar, site=testing.site, table_no=1, scans=[scan])
        assert out.status == checkin.ACCEPTED
    with connection.cursor() as cur:
        cur.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cur.fetchall()]
    assert any("INSERT INTO testing_sample" in s for s in prepared)
    # The read of scans into open tubes, without locks (the first scan of each tube locks).
    assert any("FROM testing_due" in s and "FOR UPDATE" not in s for s in prepared)
    assert any("FROM registry_person" in s for s in prepared)


def _scan(person, tube):
    return ScanIn(client_id=uuid.uuid4(), tube=tube, code=make_token(person))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the two-statement check-in is PostgreSQL's")
def test_a_scan_into_an_open_tube_is_two_statements(testing):
    from django.test.utils import CaptureQueriesContext

    checkin.ingest(
        actor=testing.registrar, site=testing.site, table_no=1, scans=[_scan(testing.people_a[0], "Q1")]
    )
    batch = [_scan(p, "Q1") for p in testing.people_a[1:4]]
    with CaptureQueriesContext(connection) as ctx:
        outs = checkin.ingest(actor=testing.registrar, site=testing.site, table_no=1, scans=batch)
    assert [o.status for o in outs] == ["accepted"] * 3
    # (The test's own transaction adds savepoints around the request's.)
    statements = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    # One reads the tube, the people and their Due rows (no locks); one stores everything if
    # none of them changed meanwhile. No transaction around them: the second is its own.
    assert len(statements) == 2, statements
    assert "FOR UPDATE" not in statements[0] and "INSERT INTO testing_tube" not in statements[0]
    assert "INSERT INTO testing_sample" in statements[1] and "RETURNING 1" in statements[1]
    assert counters.counted(testing.round.pk) == counters.full_recount(testing.round.pk)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the two-statement check-in is PostgreSQL's")
def test_a_replay_the_fast_way_cannot_store_is_rolled_back_and_answered_step_by_step(testing, monkeypatch):
    from wangge.testing.models import Sample

    first = _scan(testing.people_a[0], "Q2")
    checkin.ingest(actor=testing.registrar, site=testing.site, table_no=1, scans=[first])
    # Taken out of the tube, the person is due again; the phone then sends the old scan once
    # more with a new one: the old id is already stored, so the fast insert stores fewer rows
    # than it wrote for, and the whole batch goes again step by step.
    checkin.remove_sample(actor=testing.registrar, sample=Sample.objects.get(), reason="wrong tube")
    ways = []
    real = checkin._ingest

    def spy(*args, way):
        ways.append(way)
        return real(*args, way=way)

    monkeypatch.setattr(checkin, "_ingest", spy)
    again = ScanIn(client_id=first.client_id, tube="Q2", code=first.code)
    new = _scan(testing.people_a[1], "Q2")
    outs = checkin.ingest(actor=testing.registrar, site=testing.site, table_no=1, scans=[again, new])
    assert ways == [checkin.UNLOCKED, checkin.LOCKED, checkin.CAREFUL]
    assert [o.status for o in outs] == ["duplicate", "accepted"]
    assert Sample.objects.filter(client_id=first.client_id).count() == 1
    assert Sample.objects.filter(removed_at__isnull=True).count() == 1
    assert counters.counted(testing.round.pk) == counters.full_recount(testing.round.pk)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the two-statement check-in is PostgreSQL's")
def test_a_tube_named_for_the_first_time_is_opened_by_the_reading_statement(testing):
    from django.test.utils import CaptureQueriesContext

    from wangge.testing.models import Tube, TubeKind, TubeStatus

    checkin.ingest(
        actor=testing.registrar, site=testing.site, table_no=1, scans=[_scan(testing.people_a[5], "N0")]
    )
    scan = ScanIn(client_id=uuid.uuid4(), tube=" n1 ", code=make_token(testing.people_a[0]), capacity=5)
    with CaptureQueriesContext(connection) as ctx:
        [out] = checkin.ingest(actor=testing.registrar, site=testing.site, table_no=2, scans=[scan])
    assert out.status == "accepted" and (out.tube, out.filled, out.capacity) == ("N1", 1, 5)
    statements = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    # The read without locks finds no such tube, so nothing is written that way; then the read
    # that locks (opening the tube), the store, and the seal of the table's other open tubes
    # (none here).
    assert len(statements) == 4, statements
    assert "INSERT INTO testing_tube" not in statements[0]
    assert "INSERT INTO testing_tube" in statements[1] and statements[3].startswith("UPDATE testing_tube")
    tube = Tube.objects.get(barcode="N1")
    assert (tube.kind, tube.capacity, tube.filled, tube.status, tube.table_no) == (
        TubeKind.POOL,
        5,
        1,
        TubeStatus.OPEN,
        2,
    )
    assert (tube.opened_by, tube.path, tube.site) == (testing.registrar, testing.site.path, testing.site)
    # The next tube named at that table seals this one, as a queue of scans means.
    checkin.ingest(
        actor=testing.registrar,
        site=testing.site,
        table_no=2,
        scans=[ScanIn(client_id=uuid.uuid4(), tube="N2", code=make_token(testing.people_a[1]))],
    )
    tube.refresh_from_db()
    assert tube.status == TubeStatus.SEALED
    assert (
        Tube.objects.get(barcode="N2").capacity == testing.site.pool_size or testing.round.default_pool_size
    )


def _meddle_after_the_unlocked_read(monkeypatch, meddle):
    """Run `meddle` (another request) between the read without locks and the store of the next
    batch, as a request at another table or phone would at that instant."""
    real_read = checkin._read_locked
    done = []

    def read(*args, lock=True, **kwargs):
        out = real_read(*args, lock=lock, **kwargs)
        if not lock and not done:
            done.append(True)
            meddle()
        return out

    monkeypatch.setattr(checkin, "_read_locked", read)


def _ways(monkeypatch) -> list:
    ways = []
    real = checkin._ingest

    def spy(*args, way):
        ways.append(way)
        return real(*args, way=way)

    monkeypatch.setattr(checkin, "_ingest", spy)
    return ways


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the ways without locks are PostgreSQL's")
def test_a_tube_filled_between_the_read_and_the_store_makes_the_batch_go_again_with_locks(
    testing, monkeypatch
):
    from wangge.testing.models import Sample, Tube

    first = _scan(testing.people_a[0], "Q3")
    checkin.ingest(actor=testing.registrar, site=testing.site, table_no=1, scans=[first])
    other = _scan(testing.people_a[1], "Q3")
    _meddle_after_the_unlocked_read(
        monkeypatch,
        lambda: checkin.ingest(actor=testing.registrar, site=testing.site, table_no=1, scans=[other]),
    )
    ways = _ways(monkeypatch)
    mine = _scan(testing.people_a[2], "Q3")
    [out] = checkin.ingest(actor=testing.registrar, site=testing.site, table_no=1, scans=[mine])
    # The other request's scan went its own way (unlocked) in the middle of this one's first try.
    assert ways == [checkin.UNLOCKED, checkin.UNLOCKED, checkin.LOCKED]
    assert (out.status, out.filled) == ("accepted", 3)
    assert Tube.objects.get(barcode="Q3").filled == 3
    assert Sample.objects.filter(tube__barcode="Q3").count() == 3
    assert Sample.objects.filter(client_id=mine.client_id).count() == 1
    assert counters.counted(testing.round.pk) == counters.full_recount(testing.round.pk)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the ways without locks are PostgreSQL's")
def test_a_person_sampled_at_another_table_meanwhile_is_refused_and_stored_once(testing, monkeypatch):
    from wangge.testing.models import Due, DueStatus, Sample, Tube

    person = testing.people_a[3]
    checkin.ingest(
        actor=testing.registrar, site=testing.site, table_no=1, scans=[_scan(testing.people_a[4], "Q4")]
    )
    checkin.ingest(
        actor=testing.registrar, site=testing.site, table_no=2, scans=[_scan(testing.people_a[5], "Q5")]
    )
    elsewhere = _scan(person, "Q5")
    _meddle_after_the_unlocked_read(
        monkeypatch,
        lambda: checkin.ingest(actor=testing.registrar, site=testing.site, table_no=2, scans=[elsewhere]),
    )
    [out] = checkin.ingest(
        actor=testing.registrar, site=testing.site, table_no=1, scans=[_scan(person, "Q4")]
    )
    assert (out.status, out.reason) == ("refused", "already_sampled")
    assert "Q5" in out.message
    assert list(Sample.objects.filter(person=person).values_list("tube__barcode", flat=True)) == ["Q5"]
    assert Due.objects.get(round=testing.round, person=person).status == DueStatus.TESTED
    assert Tube.objects.get(barcode="Q4").filled == 1
    assert counters.counted(testing.round.pk) == counters.full_recount(testing.round.pk)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the ways without locks are PostgreSQL's")
def test_a_person_exempted_meanwhile_is_sampled_with_the_counters_kept_exact(testing, monkeypatch):
    from wangge.testing.models import Due, DueStatus, ExemptReason, Sample
    from wangge.testing.rounds.services import set_exemption

    person = testing.people_a[6]
    checkin.ingest(
        actor=testing.registrar, site=testing.site, table_no=1, scans=[_scan(testing.people_a[7], "Q6")]
    )
    due = Due.objects.get(round=testing.round, person=person)
    _meddle_after_the_unlocked_read(
        monkeypatch, lambda: set_exemption(actor=testing.manager, due=due, reason=ExemptReason.AWAY)
    )
    ways = _ways(monkeypatch)
    [out] = checkin.ingest(
        actor=testing.registrar, site=testing.site, table_no=1, scans=[_scan(person, "Q6")]
    )
    # The Due row was read as due and is exempt by the time of the store: the store writes
    # nothing and the batch goes again with locks, which reads it exempt and counts it so.
    assert ways == [checkin.UNLOCKED, checkin.LOCKED]
    assert out.status == "accepted"
    assert Due.objects.get(pk=due.pk).status == DueStatus.TESTED
    assert Sample.objects.filter(person=person).count() == 1
    assert counters.counted(testing.round.pk) == counters.full_recount(testing.round.pk)
