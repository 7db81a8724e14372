"""Database helpers for hot paths that the ORM's generality makes slow.

`hot_cursor()`: on PostgreSQL, a cursor that binds its parameters on the server. A statement
sent with the same text again and again on one connection is then prepared by psycopg (after
its `prepare_threshold` runs) and the server stops parsing and planning it each time: for the
check-in's small statements planning costs more than running them. Elsewhere, Django's cursor.
Both go through Django's cursor wrapper, so errors are Django's (the 503 on an outage still
holds) and the statements are counted and logged like any other.

`pg_array()`: a list as one PostgreSQL array literal (text, cast in the statement), which costs
psycopg one string to send instead of a type lookup per element.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

# Runs of one statement text on a connection before psycopg prepares it. Off (None) behind a
# pooler that cannot keep prepared statements (PgBouncer in transaction mode): WANGGE_DB_PREPARE=0.
PREPARE_THRESHOLD = 2


def current():
    """The default connection itself (not the proxy, which looks it up again on every attribute)."""
    return connections[DEFAULT_DB_ALIAS]


def hot_cursor(conn=None):
    conn = conn or current()
    if conn.vendor != "postgresql":
        return conn.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor  # type: ignore[attr-defined]

    conn.close_if_health_check_failed()  # as Django's own cursor() does before its first statement
    conn.ensure_connection()
    pg = conn.connection
    if pg.prepare_threshold is None and getattr(settings, "WANGGE_DB_PREPARE", True):
        # Django leaves preparing off; only these cursors bind on the server, so only their
        # statements are prepared. Each finds its rows by key: the generic plan is always the
        # right one, so the server never plans them again for their parameters.
        pg.prepare_threshold = PREPARE_THRESHOLD
        with conn.wrap_database_errors, pg.cursor() as raw_cur:
            raw_cur.execute("SET plan_cache_mode = force_generic_plan")
    raw = ServerBindingCursor(pg)
    return conn.make_debug_cursor(raw) if conn.queries_logged else conn.make_cursor(raw)


def any_of(column: str, values: Sequence[Any], pg_type: str, conn=None) -> tuple[str, list]:
    """`column` is one of `values`, as a fragment whose text does not depend on how many there
    are on PostgreSQL (`= ANY(array)`, so it can be prepared once); an IN list elsewhere."""
    if (conn or current()).vendor == "postgresql":
        return f"{column} = ANY(%s::{pg_type}[])", [pg_array(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def _element(value: Any) -> str:
    if value is None:
        return "NULL"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        value = value.isoformat()
    text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def pg_array(values: Iterable[Any]) -> str:
    """A PostgreSQL array literal of `values` (None is NULL; text quoted), to cast in the statement."""
    return "{" + ",".join(_element(v) for v in values) + "}"
