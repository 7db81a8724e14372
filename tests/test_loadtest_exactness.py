"""The load harness's exactness check (loadtest/world.py) flags what it must, on PostgreSQL
(its queries, like the harness, are PostgreSQL's; `make loadtest` runs the whole harness)."""

import uuid

import pytest
from django.db import connection

from loadtest.world import exactness

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the harness runs on PostgreSQL"),
]

NO_ROUND = 2_000_000_000  # no samples, no Due rows, no counters


def test_nothing_sent_nothing_stored_is_exact():
    result = exactness(NO_ROUND, sent=set(), accepted=set(), answered_twice=0)
    assert result["problems"] == []
    assert result["counters_equal_recount"]


def test_an_accepted_scan_that_is_not_stored_is_a_problem():
    cid = str(uuid.uuid4())
    result = exactness(NO_ROUND, sent={cid}, accepted={cid}, answered_twice=1)
    assert "1 scans answered accepted are not stored" in result["problems"]
    assert "1 scans answered accepted more than once" in result["problems"]
