"""The check-in's hot statements keep one text whatever the batch, so that PostgreSQL prepares
them once per connection instead of planning them for every scan (core.db.hot_cursor)."""

import uuid

import pytest
from django.db import connection

from wangge.core.db import any_of, pg_array
from wangge.registry.codes.services import make_token
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
