#!/usr/bin/env python
"""Run every bench/bench_*.py against PostgreSQL, on the demo district at BENCH_SCALE.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wangge_bench .venv/bin/python bench/run.py [NAME ...]

Environment: DATABASE_URL (PostgreSQL, database name containing "bench"), BENCH_SCALE (default 1),
BENCH_PEOPLE (people in the registry; default the demo's 24,000 per scale; the registry
benchmarks are meant for 1000000), BENCH_SEED (default the demo's), BENCH_N (requests per
measurement, default 200).
The database is dropped and created again, migrated and seeded whenever its marker
(scale, people, seed, builder version) differs from what is asked, or with --reseed. Keep one
database per size (e.g. wangge_bench for scale 1, wangge_bench_1m for BENCH_PEOPLE=1000000) so
that switching sizes does not reseed.
Exit status: 0 all benches passed, 1 a bench failed, 2 refused to run.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import secrets
import sys
import time
import traceback
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")
# Settings refuse to load without a key outside debug. The benches sign nothing that outlives the
# run, so a key of this run will do unless one is given; the gunicorn they start inherits it.
os.environ.setdefault("WANGGE_SECRET_KEY", "bench-" + secrets.token_urlsafe(50))

MARKER_TABLE = "wangge_bench_marker"


def _conninfo(cfg: dict, dbname: str) -> str:
    from psycopg.conninfo import make_conninfo

    parts = {"dbname": dbname, "user": cfg.get("USER"), "password": cfg.get("PASSWORD"),
             "host": cfg.get("HOST"), "port": str(cfg.get("PORT") or "")}  # fmt: skip
    return make_conninfo(**{k: v for k, v in parts.items() if v})


def read_marker(cfg: dict) -> str | None:
    """The marker of what the database holds, or None if it does not exist or has none."""
    import psycopg

    try:
        with psycopg.connect(_conninfo(cfg, cfg["NAME"]), connect_timeout=10) as conn:
            row = conn.execute(f"SELECT to_regclass('{MARKER_TABLE}')").fetchone()
            if row[0] is None:
                return None
            row = conn.execute(f"SELECT value FROM {MARKER_TABLE} WHERE key = 'demo'").fetchone()  # noqa: S608
            return row[0] if row else None
    except psycopg.OperationalError as exc:
        if "does not exist" in str(exc):
            return None
        raise


def recreate_database(cfg: dict) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(_conninfo(cfg, "postgres"), autocommit=True, connect_timeout=10) as conn:
        name = sql.Identifier(cfg["NAME"])
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def write_marker(value: str, key: str = "demo") -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (key text PRIMARY KEY, value text NOT NULL)")
        cur.execute(
            f"INSERT INTO {MARKER_TABLE} (key, value) VALUES (%s, %s) "  # noqa: S608
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [key, value],
        )


def read_marker_key(key: str) -> str | None:
    """Another entry of the marker table (e.g. 'seeding': how long the seeding took), from Django."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"SELECT to_regclass('{MARKER_TABLE}')")
        if cur.fetchone()[0] is None:
            return None
        cur.execute(f"SELECT value FROM {MARKER_TABLE} WHERE key = %s", [key])  # noqa: S608
        row = cur.fetchone()
        return row[0] if row else None


def load_bench(path: Path):
    spec = importlib.util.spec_from_file_location(f"wangge_bench_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="run only these benches (e.g. pages for bench_pages.py)")
    parser.add_argument("--reseed", action="store_true", help="drop, recreate and reseed the database first")
    args = parser.parse_args(argv)

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        print(
            "bench: refusing to run without PostgreSQL. The figures are meant for the production database; "
            "SQLite's would mislead. Set DATABASE_URL=postgres://…/wangge_bench (see bench/README.md).",
            file=sys.stderr,
        )
        return 2
    import dj_database_url

    cfg = dj_database_url.parse(url)
    if "bench" not in (cfg.get("NAME") or ""):
        print(
            f"bench: refusing to use database {cfg.get('NAME')!r}: the bench drops and recreates its database, "
            "so its name must contain 'bench' (e.g. wangge_bench).",
            file=sys.stderr,
        )
        return 2
    scale = int(os.environ.get("BENCH_SCALE", "1"))
    from wangge.demo.meta import BUILDER_VERSION, DEFAULT_SEED

    seed = int(os.environ.get("BENCH_SEED", str(DEFAULT_SEED)))
    people_env = os.environ.get("BENCH_PEOPLE", "").replace("_", "").replace(",", "")
    people = int(people_env) if people_env else None
    from wangge.demo.meta import planned_people

    wanted = f"scale={scale} people={planned_people(scale, people)} seed={seed} builder={BUILDER_VERSION}"
    have = read_marker(cfg)
    fresh = args.reseed or have != wanted
    if fresh:
        print(f"bench: database {cfg['NAME']} holds {have or 'nothing'}; recreating it for {wanted}")
        recreate_database(cfg)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    from wangge.org.models import OrgUnit

    if fresh or not OrgUnit.objects.exists():
        import json

        from wangge.demo.builder import DemoBuilder

        started = time.perf_counter()
        builder = DemoBuilder(seed=seed, scale=scale, people=people)
        result = builder.build()
        seconds = time.perf_counter() - started
        write_marker(wanted)
        write_marker(
            json.dumps(
                {
                    "seconds": round(seconds, 2),
                    "people": result.counts["people"],
                    "registry": {k: round(v, 2) for k, v in builder.registry_timings.items()},
                    "counts": result.counts,
                }
            ),  # fmt: skip
            key="seeding",
        )
        print(
            f"bench: seeded the demo at scale {scale} with {result.counts['people']} people in {seconds:.1f} s "
            f"(registry {builder.registry_seconds:.1f} s)"
        )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    from wangge.demo.builder import demo_counts

    counts = demo_counts()
    server = connection.cursor().connection.info.server_version
    print(
        f"bench: PostgreSQL {server // 10000}.{server % 10000}, database {cfg['NAME']}, {wanted}: "
        f"{counts['villages']} villages, {counts['grids']} grids, {counts['staff']} staff, "
        f"{counts['assignments_current'] + counts['assignments_past']} responsibilities, "
        f"{counts['people']} people in {counts['households']} households"
    )

    paths = sorted(BENCH_DIR.glob("bench_*.py"))
    if args.names:
        paths = [p for p in paths if p.stem.removeprefix("bench_") in args.names or p.stem in args.names]
        if not paths:
            print(f"bench: no bench named {', '.join(args.names)}", file=sys.stderr)
            return 2
    failed = []
    for path in paths:
        print(f"\n== {path.stem}")
        try:
            ok = load_bench(path).main()
        except Exception:
            traceback.print_exc()
            ok = False
        if ok is False:
            failed.append(path.stem)
    print()
    if failed:
        print(f"bench: FAIL ({', '.join(failed)})")
        return 1
    print(f"bench: PASS ({len(paths)} bench{'es' if len(paths) != 1 else ''})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
