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
    assert any("FROM testing_due" in s and "FOR UPDATE" in s for s in prepared)
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
    # One reads and locks the tube, the people and their Due rows; one stores everything.
    assert len(statements) == 2, statements
    assert "FOR UPDATE" in statements[0] and "INSERT INTO testing_sample" in statements[1]
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

    def spy(*args, fast):
        ways.append(fast)
        return real(*args, fast=fast)

    monkeypatch.setattr(checkin, "_ingest", spy)
    again = ScanIn(client_id=first.client_id, tube="Q2", code=first.code)
    new = _scan(testing.people_a[1], "Q2")
    outs = checkin.ingest(actor=testing.registrar, site=testing.site, table_no=1, scans=[again, new])
    assert ways == [True, False]
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
    # Read (opening the tube), store, and the seal of the table's other open tubes (none here).
    assert len(statements) == 3, statements
    assert "INSERT INTO testing_tube" in statements[0] and statements[2].startswith("UPDATE testing_tube")
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
