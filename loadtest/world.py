"""The Django side of the harness, run in a subprocess with the stack's DATABASE_URL:

    python -m loadtest.world setup <tables> <out.json>     the round, site, logins and people
    python -m loadtest.world check <setup.json> <clients.json> <out.json>

`setup` opens a district round (population built), one site with a table per simulated phone,
one registrar login per table (password LOGIN_PASSWORD) and lists the people due, with the
personal code and ID number the phones will scan. `check` is the exactness check (see
`exactness`), from the database and what the clients saw.
"""

from __future__ import annotations

import json
import sys
from typing import Any

LOGIN_PASSWORD = "loadtest-pass-2022"
CAPACITY = 10


def setup(tables: int) -> dict[str, Any]:
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from wangge.accounts.models import Role, User
    from wangge.registry.codes.services import make_token
    from wangge.registry.models import Person
    from wangge.testing.models import Due, RoundStatus, Site
    from wangge.testing.rounds import services

    admin = User.objects.get(username="admin")
    district = admin.jurisdiction
    now = timezone.now()
    rnd = services.create_round(
        actor=admin,
        name=f"loadtest {now:%H%M%S}",
        owner=district,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=12),
        areas=[(district, CAPACITY)],
    )
    services.build_population(actor=admin, round=rnd)
    site = Site.objects.create(
        round=rnd,
        name="loadtest site",
        unit=district,
        path=district.path,
        tables=tables,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=12),
    )
    services.set_status(actor=admin, round=rnd, status=RoundStatus.OPEN)
    registrar = Role.objects.get(code="sampling_registrar")
    # One hash for all (each costs the full PBKDF2 work factor).
    hashed = make_password(LOGIN_PASSWORD)
    logins, sessions = [], []
    for n in range(1, tables + 1):
        user, _created = User.objects.get_or_create(
            username=f"loadtest_table{n:02d}", defaults={"jurisdiction": district}
        )
        user.password = hashed
        user.save()
        user.roles.set([registrar])
        logins.append(user.username)
        sessions.append(_session_for(user))
    admin.password = hashed
    admin.save()
    dues = set(Due.objects.filter(round=rnd).values_list("person_id", flat=True))
    people = [
        {"id": p.pk, "code": make_token(p), "id_type": p.id_type, "id_number": p.id_number, "name": p.name}
        for p in Person.objects.filter(pk__in=dues, is_active=True, merged_into__isnull=True)
        .only("id", "code_version", "id_type", "id_number", "path", "name")
        .order_by("id")
    ]
    return {
        "round_id": rnd.pk,
        "site_id": site.pk,
        "tables": tables,
        "capacity": CAPACITY,
        "logins": logins,
        "sessions": sessions,
        "dashboard_login": "admin",
        "password": LOGIN_PASSWORD,
        "people": people,
    }


def _session_for(user) -> str:
    """A session key logged in as `user`, as the login form would leave it (for the phones that
    logged in before the round: the form's PBKDF2 check costs a core a third of a second)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def exactness(round_id: int, sent: set[str], accepted: set[str], answered_twice: int) -> dict[str, Any]:
    """What the database holds against what the clients saw. `problems` empty means exact:

    - every scan a client saw accepted is stored, exactly once;
    - nothing is stored that no client sent;
    - no person is sampled twice in the round (first samples, not removed);
    - every person with a sample is marked tested, and only they;
    - every tube's `filled` equals its samples;
    - the coverage counters equal a full recount from the Due rows.
    """
    from django.db import connection

    from wangge.testing import counters

    with connection.cursor() as cur:
        cur.execute("SELECT client_id::text FROM testing_sample WHERE round_id = %s", [round_id])
        stored = [r[0] for r in cur.fetchall()]
        cur.execute(
            "SELECT count(*) FROM (SELECT person_id FROM testing_sample WHERE round_id = %s "
            "AND NOT is_retest AND removed_at IS NULL GROUP BY person_id HAVING count(*) > 1) t",
            [round_id],
        )
        people_twice = cur.fetchone()[0]
        cur.execute(
            "SELECT count(DISTINCT person_id) FROM testing_sample WHERE round_id = %s AND removed_at IS NULL",
            [round_id],
        )
        people_sampled = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM testing_due WHERE round_id = %s AND status = 'tested'", [round_id])
        tested = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*) FROM testing_tube t WHERE t.round_id = %s AND t.filled <> "
            "(SELECT count(*) FROM testing_sample s WHERE s.tube_id = t.id AND s.removed_at IS NULL)",
            [round_id],
        )
        bad_tubes = cur.fetchone()[0]
        cur.execute(
            "SELECT status, count(*) FROM testing_tube WHERE round_id = %s GROUP BY status", [round_id]
        )
        tubes = dict(cur.fetchall())
    stored_set = set(stored)
    counters_equal = counters.counted(round_id) == counters.full_recount(round_id)
    problems = []
    lost = accepted - stored_set
    if lost:
        problems.append(f"{len(lost)} scans answered accepted are not stored")
    if len(stored) != len(stored_set):
        problems.append(f"{len(stored) - len(stored_set)} scans stored more than once")
    if answered_twice:
        problems.append(f"{answered_twice} scans answered accepted more than once")
    unknown = stored_set - sent
    if unknown:
        problems.append(f"{len(unknown)} rows whose scan no client sent")
    if people_twice:
        problems.append(f"{people_twice} people sampled twice in the round")
    if tested != people_sampled:
        problems.append(f"Due rows tested {tested} != people sampled {people_sampled}")
    if bad_tubes:
        problems.append(f"{bad_tubes} tubes whose filled count differs from their samples")
    if not counters_equal:
        problems.append("coverage counters differ from a full recount")
    return {
        "sent": len(sent),
        "accepted": len(accepted),
        "stored": len(stored),
        "stored_not_seen_accepted": len(stored_set - accepted),
        "people_sampled": people_sampled,
        "due_tested": tested,
        "tubes": tubes,
        "counters_equal_recount": counters_equal,
        "problems": problems,
    }


def main(argv: list[str]) -> int:
    import django

    django.setup()
    if argv[1] == "setup":
        with open(argv[3], "w") as fh:
            json.dump(setup(int(argv[2])), fh)
        return 0
    if argv[1] == "check":
        with open(argv[2]) as fh:
            world = json.load(fh)
        with open(argv[3]) as fh:
            seen = json.load(fh)
        result = exactness(
            world["round_id"], set(seen["sent"]), set(seen["accepted"]), int(seen["answered_twice"])
        )
        with open(argv[4], "w") as fh:
            json.dump(result, fh)
        return 0
    raise SystemExit(f"unknown command {argv[1]!r}")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
