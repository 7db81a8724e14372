"""The demo district: the page's names, determinism, --if-empty, the demo logins.

The demo is built once for the module inside a transaction that is rolled back at the
end, so other modules start from an empty tree; each test runs in a savepoint within it.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.http import HttpRequest
from django.test.utils import override_settings

from tests.factories.demo import FAST_HASHERS, wipe_demo
from wangge.accounts.models import User
from wangge.core.access import scope_of
from wangge.demo.builder import ACCOUNT_NAMES, DEFAULT_SEED, PAGE_PEOPLE, build_demo, demo_counts, demo_digest
from wangge.demo.logins import DEMO_LOGINS, DEMO_PASSWORD
from wangge.org.models import Level, OrgUnit
from wangge.roster.models import Assignment, AssignmentRole, StaffMember, WorkingGroup, WorkingGroupMember
from wangge.roster.selectors import grids_without_leader

PAGE_OFFICES = ["郑港办事处", "张庄办事处", "新港办事处", "清河办事处", "IT产业园社区服务中心", "八千办事处"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS), transaction.atomic():
        result = build_demo(seed=DEFAULT_SEED, testing=False)
        result.digest = demo_digest()
        yield result
        transaction.set_rollback(True)


def unit(code):
    return OrgUnit.objects.get(code=code)


@pytest.mark.django_db
def test_the_page_names_are_all_there(demo):
    district = OrgUnit.objects.get(level=Level.DISTRICT)
    assert district.name == "郑州航空港区"
    offices = list(OrgUnit.objects.filter(level=Level.OFFICE).values_list("name", flat=True))
    assert sorted(offices) == sorted(PAGE_OFFICES)
    names = set(OrgUnit.objects.values_list("name", flat=True))
    for place in ["冢刘村", "山石王村", "慈航路社区", "锦绣翠园小区", "张庄村", "富士康厂区", "鑫荣公寓"]:
        assert place in names
    zg = OrgUnit.objects.get(name="郑港办事处")
    assert {"冢刘村", "山石王村", "慈航路社区"} <= set(
        OrgUnit.objects.under(zg).filter(level=Level.VILLAGE).values_list("name", flat=True)
    )
    # every office has several villages or communities
    for office in OrgUnit.objects.filter(level=Level.OFFICE):
        assert OrgUnit.objects.under(office).filter(level=Level.VILLAGE).count() >= 3, office.name


@pytest.mark.django_db
def test_it_park_has_10_workstations_and_33_grids_led_by_party_cadres(demo):
    it = OrgUnit.objects.get(name="IT产业园社区服务中心")
    workstations = OrgUnit.objects.under(it).filter(level=Level.WORKSTATION)
    grids = OrgUnit.objects.under(it).grids()
    assert workstations.count() == 10
    assert grids.count() == 33
    assert all(g.parent.level == Level.WORKSTATION for g in grids.select_related("parent"))
    for ws in workstations:
        leaders = Assignment.objects.current().filter(unit=ws, role=AssignmentRole.WORKSTATION_LEADER)
        assert [a.staff.is_party_member for a in leaders] == [True], ws.code
    for grid in grids:
        leaders = Assignment.objects.current().filter(unit=grid, role=AssignmentRole.GRID_LEADER)
        assert [a.staff.is_party_member for a in leaders] == [True], grid.code


@pytest.mark.django_db
def test_cihanglu_has_five_grids_each_with_a_three_person_team(demo):
    chl = OrgUnit.objects.get(name="慈航路社区")
    grids = OrgUnit.objects.under(chl).grids()
    assert grids.count() == 5
    team = {AssignmentRole.TEAM_COMMUNITY_WORKER, AssignmentRole.TEAM_POLICE, AssignmentRole.TEAM_MEDIC}
    for grid in grids:
        roles = list(
            Assignment.objects.current().filter(unit=grid, role__in=team).values_list("role", flat=True)
        )
        assert sorted(roles) == sorted(team), grid.name
        assert Assignment.objects.current().filter(unit=grid, role=AssignmentRole.GRID_LEADER).exists()
    assert "锦绣翠园小区" in set(grids.values_list("name", flat=True))


@pytest.mark.django_db
def test_paths_are_what_the_service_would_write(demo):
    for u in OrgUnit.objects.select_related("parent"):
        assert u.path == f"{u.parent.path if u.parent else '/'}{u.pk}/"
        assert u.depth == (u.parent.depth + 1 if u.parent else 0)
        if u.parent:
            assert u.code.startswith(u.parent.code + "-")
    paths = dict(OrgUnit.objects.values_list("id", "path"))
    assert all(paths[uid] == p for uid, p in StaffMember.objects.values_list("unit_id", "path"))
    assert all(paths[uid] == p for uid, p in Assignment.objects.values_list("unit_id", "path"))


@pytest.mark.django_db
def test_roster_has_the_whole_cast(demo):
    zg = unit("GK-ZG")
    groups = WorkingGroup.objects.filter(office=zg)
    assert groups.count() == 11  # 一办十一组
    assert all(WorkingGroupMember.objects.filter(group=g, is_lead=True).count() == 1 for g in groups)
    roles = set(Assignment.objects.values_list("role", flat=True))
    assert roles == set(AssignmentRole.values)
    kinds = set(StaffMember.objects.values_list("kind", flat=True))
    for kind in ["office_leader", "department", "working_group", "village_cadre", "grid_staff", "party_member",
                 "sent_down_cadre", "volunteer", "police", "medic", "community_worker"]:  # fmt: skip
        assert kind in kinds
    assert Assignment.objects.filter(end_date__isnull=False).exists()  # history
    names = set(StaffMember.objects.values_list("name", flat=True))
    assert not names & PAGE_PEOPLE
    import re

    assert all(re.fullmatch(r"1[3-9]\d{9}", p) for p in StaffMember.objects.values_list("phone", flat=True))


@pytest.mark.django_db
def test_some_grids_have_no_current_leader(demo):
    district = unit("GK")
    admin = User.objects.get(username="admin")
    gaps = grids_without_leader(scope_of(admin))
    total = OrgUnit.objects.under(district).grids().count()
    assert 0 < gaps.count() <= 0.1 * total
    assert demo.counts["leaderless_grids"] == gaps.count()
    # the page's grids are all led
    assert not gaps.filter(code__startswith="GK-IT-").exists()
    assert not gaps.filter(code__startswith="GK-ZG-CHL-").exists()


@pytest.mark.django_db
def test_each_demo_login_logs_in_with_its_jurisdiction(demo, client):
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        for login in DEMO_LOGINS:
            user = User.objects.get(username=login.username)
            assert user.is_active
            assert client.login(request=HttpRequest(), username=login.username, password=DEMO_PASSWORD), (
                login.username
            )
            client.logout()
            assert [r.code for r in user.roles.all()] == [login.role]
            if login.unit_code is None:
                assert user.jurisdiction is None
            else:
                assert user.jurisdiction.code == login.unit_code
                assert user.jurisdiction.name in login.unit_name
                if login.username in ACCOUNT_NAMES:  # a site or lab account, not on the roster
                    assert user.staff is None and user.display_name == ACCOUNT_NAMES[login.username]
                    continue
                # the linked roster entry is responsible inside the jurisdiction (or is its staff)
                assert user.staff is not None
                assert (
                    scope_of(user).covers_path(user.staff.path)
                    or Assignment.objects.filter(
                        staff=user.staff, path__startswith=user.jurisdiction.path
                    ).exists()
                )


@pytest.mark.django_db
def test_login_staff_hold_the_roles_they_show(demo):
    def current_roles(username):
        user = User.objects.get(username=username)
        return set(
            Assignment.objects.current()
            .filter(staff=user.staff, unit=user.jurisdiction)
            .values_list("role", flat=True)
        )

    assert "grid_leader" in current_roles("wanggezhang")
    assert "grid_worker" in current_roles("wanggeyuan")
    assert "volunteer" in current_roles("zhiyuanzhe")
    assert "village_secretary" in current_roles("cunganbu")
    assert "office_leader" in current_roles("zhenggang")
    assert "office_leader" in current_roles("itpark")
    lead = User.objects.get(username="zhuanban").staff
    assert WorkingGroupMember.objects.get(staff=lead).group.name == "核酸检测组"
    assert User.objects.get(username="ducha").staff.department.name == "督查办"


@pytest.mark.django_db
def test_nojurisdiction_sees_nothing(demo):
    user = User.objects.get(username="nojurisdiction")
    scope = scope_of(user)
    assert scope.is_empty
    assert not scope.filter(OrgUnit.objects.all()).exists()
    assert not scope.filter(StaffMember.objects.all()).exists()
    assert not scope.covers(unit("GK"))


@pytest.mark.django_db
def test_scopes_nest(demo):
    admin, leader, cell = (User.objects.get(username=u) for u in ("admin", "zhenggang", "wanggezhang"))
    all_units = OrgUnit.objects.count()
    assert scope_of(admin).filter(OrgUnit.objects.all()).count() == all_units
    office_units = scope_of(leader).filter(OrgUnit.objects.all())
    assert 0 < office_units.count() < all_units
    assert not office_units.filter(code__startswith="GK-ZZ").exists()
    assert list(scope_of(cell).filter(OrgUnit.objects.all()).values_list("name", flat=True)) == [
        "锦绣翠园小区"
    ]


@pytest.mark.django_db
def test_if_empty_skips_when_data_exist(demo):
    before = demo_counts()
    out = StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "already has org units" in out.getvalue()
    assert demo_counts() == before
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=StringIO())


@pytest.mark.django_db
def test_same_seed_same_data_other_seed_other_data(demo):
    wipe_demo()
    assert not OrgUnit.objects.exists()
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        out = StringIO()
        call_command("seed_demo", "--seed", str(DEFAULT_SEED), "--no-testing", stdout=out)
        assert demo_digest() == demo.digest
        text = out.getvalue()
        assert "wanggezhang" in text and "锦绣翠园小区" in text and DEMO_PASSWORD in text
        wipe_demo()
        build_demo(seed=DEFAULT_SEED + 1, testing=False)
        assert demo_digest() != demo.digest
        # the page's structure does not depend on the seed
        assert OrgUnit.objects.under(unit("GK-IT")).grids().count() == 33
        assert OrgUnit.objects.under(unit("GK-ZG-CHL")).grids().count() == 5


@pytest.mark.django_db
def test_scale_grows_the_invented_part_only(demo):
    wipe_demo()
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        result = build_demo(seed=DEFAULT_SEED, scale=2, testing=False)
    assert result.counts["grids"] > 1.5 * demo.counts["grids"]
    assert OrgUnit.objects.under(unit("GK-IT")).filter(level=Level.WORKSTATION).count() == 10
    assert OrgUnit.objects.under(unit("GK-IT")).grids().count() == 33
    assert result.counts["staff"] > 1.5 * demo.counts["staff"]


def test_python_m_wangge_dispatches(monkeypatch):
    import wangge.__main__ as entry

    calls = []
    monkeypatch.setattr("django.core.management.call_command", lambda *a, **k: calls.append(a))
    monkeypatch.setattr(
        "django.core.management.execute_from_command_line", lambda argv: calls.append(tuple(argv))
    )
    assert entry.main(["wangge", "seed-demo", "--scale", "3"]) == 0
    assert entry.main(["wangge", "migrate", "--plan"]) == 0
    assert entry.main(["wangge", "demo-logins"]) == 0
    assert calls == [("seed_demo", "--scale", "3"), ("wangge", "migrate", "--plan"), ("demo_logins",)]


def test_seed_demo_with_flush_rebuilds_what_the_migrations_put_in(tmp_path):
    """--flush starts again from an empty database *with* the rows the migrations write (standard
    roles, venue kinds, checklists, default rules): `manage.py flush` would have emptied those too,
    and the demo's venue account had no role (403 on its own page)."""
    import os
    import sqlite3
    import subprocess
    import sys
    from pathlib import Path

    db = tmp_path / "demo.sqlite3"
    env = dict(os.environ, WANGGE_DEBUG="1", WANGGE_SQLITE_PATH=str(db))
    env.pop("DATABASE_URL", None)
    root = Path(__file__).resolve().parent.parent
    sqlite3.connect(db).execute("CREATE TABLE leftover (x int)").connection.commit()
    run = subprocess.run(
        [sys.executable, "-m", "wangge", "seed-demo", "--flush", "--no-testing", "--quiet"],
        cwd=root, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "leftover" not in tables
        role = conn.execute(
            "SELECT r.code FROM accounts_role r JOIN accounts_user_roles ur ON ur.role_id = r.id"
            " JOIN accounts_user u ON u.id = ur.user_id WHERE u.username = 'qinghe-hotel'"
        ).fetchall()
        assert role == [("venue_manager",)]
        kinds = conn.execute("SELECT count(*) FROM venues_venuekind").fetchone()[0]
        assert kinds >= 14
        # Every kind shipped has its starting checklist, whatever order the migrations ran in.
        assert (
            conn.execute("SELECT count(DISTINCT kind_id) FROM inspections_checklisttemplate").fetchone()[0]
            == kinds
        )
