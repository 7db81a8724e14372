import sqlite3
import threading

import pytest
from django.conf import settings
from django.db import connection


def test_login_is_throttled_after_repeated_failures(client, world, grid_leader_a):
    for _ in range(4):
        r = client.post("/accounts/login/", {"username": "leader_a", "password": "wrong"})
        assert r.status_code == 200
    assert client.post("/accounts/login/", {"username": "leader_a", "password": "wrong"}).status_code == 429
    r = client.post("/accounts/login/", {"username": "leader_a", "password": "pass-word-123"})
    assert r.status_code == 429
    assert "_auth_user_id" not in client.session


def test_successful_login_lands_on_home(client, world, grid_leader_a):
    r = client.post("/accounts/login/", {"username": "leader_a", "password": "pass-word-123"})
    assert r.status_code == 302
    assert client.session["_auth_user_id"] == str(grid_leader_a.pk)


def test_pages_need_login(client, db):
    r = client.get("/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


@pytest.mark.chinese_default
def test_default_language_is_simplified_chinese():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert ("en", "English") in settings.LANGUAGES


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite settings")
def test_sqlite_runs_wal_with_immediate_transactions(tmp_path):
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite settings")
def test_concurrent_writers_queue_instead_of_failing(tmp_path, django_db_blocker):
    """Four writers doing read-then-write transactions on one file with the project's options:
    every transaction commits, none fails with "database is locked", and none sees a stale read
    (BEGIN IMMEDIATE serialises them), so the counter ends exactly at 200."""
    from django.db import connections, transaction
    from django.db.backends.sqlite3.base import DatabaseWrapper

    db_file = tmp_path / "c.sqlite3"
    sqlite3.connect(db_file).execute("CREATE TABLE t (n INTEGER)").connection.commit()
    config = {**connections.settings["default"], "NAME": str(db_file)}
    # The project opens a new file once before anyone writes (`migrate` on a fresh machine), and
    # that first opening turns the file to WAL for good. Four first openings at once would race
    # on that one-time switch, which SQLite refuses without waiting ("database is locked").
    with django_db_blocker.unblock():
        first = DatabaseWrapper(config, alias="first_opening")
        first.ensure_connection()
        first.close()
    errors = []

    def writer(k):
        alias = f"writer{k}"
        conn = DatabaseWrapper(config, alias=alias)
        connections[alias] = conn
        try:
            for _ in range(50):
                with transaction.atomic(using=alias), conn.cursor() as cur:
                    cur.execute("SELECT coalesce(max(n), 0) FROM t")
                    (n,) = cur.fetchone()
                    cur.execute("INSERT INTO t VALUES (%s)", [n + 1])
        except Exception as exc:  # pragma: no cover - a failure is the point of the test
            errors.append(repr(exc))
        finally:
            conn.close()

    with django_db_blocker.unblock():
        threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    check = sqlite3.connect(db_file)
    assert check.execute("SELECT count(*), count(DISTINCT n), max(n) FROM t").fetchone() == (200, 200, 200)
    assert check.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
