"""The home page: the actor's jurisdiction at a glance, and nothing beyond it."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_unit, make_user
from tests.factories.reveal import revealed
from wangge.core.access import SYSTEM
from wangge.org.models import Level
from wangge.roster import services as roster_services


@pytest.fixture
def en(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def page(client, user):
    client.force_login(user)
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    return response.content.decode()


def stat(html: str, name: str) -> int:
    match = re.search(rf'data-testid="stat-{name}"><div class="n">(\d+)<', html)
    assert match, name
    return int(match.group(1))


def test_home_requires_login(client, world):
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_grid_leader_sees_own_grid_only(client, world, grid_leader_a):
    html = page(client, grid_leader_a)
    assert 'data-testid="unit-name">甲网格<' in html
    for foreign in ("乙网格", "丙网格", "张庄办事处", "第一工作站", "冢刘村"):
        assert foreign not in html


def test_admin_sees_counts_and_children(client, world, admin_user, staff_factory):
    staff_factory(unit=world.grid_a)
    staff_factory(unit=world.other_village)
    html = page(client, admin_user)
    assert 'data-testid="unit-name">航空港区<' in html
    assert stat(html, "offices") == 2
    assert stat(html, "villages") == 2
    assert stat(html, "workstations") == 1
    assert stat(html, "grids") == 3
    assert stat(html, "staff") == 2
    assert stat(html, "leaderless") == 3
    table = html.split('data-testid="home-children"')[1].split("</table>")[0]
    assert reverse("org:unit_detail", args=[world.office.pk]) in table
    assert reverse("org:unit_detail", args=[world.other_office.pk]) in table
    assert "冢刘村" not in table  # only the root's children are rows


def test_children_table_shows_each_units_leader_and_gaps(client, world, office_leader, staff_factory):
    boss = staff_factory(unit=world.village, name="村书记甲")
    roster_services.assign(actor=SYSTEM, staff=boss, unit=world.village, role="village_secretary")
    leader = staff_factory(unit=world.grid_a, name="格长甲")
    roster_services.assign(actor=SYSTEM, staff=leader, unit=world.grid_a, role="grid_leader")
    html = page(client, office_leader)
    row = re.search(rf'<tr data-unit-id="{world.village.pk}">(.*?)</tr>', html, re.S).group(1)
    assert "村书记甲" in row
    assert f'?under={world.village.pk}">1<' in row  # grid B still has no leader
    gaps = html.split('data-testid="home-gaps"')[1].split("</section>")[0]
    assert "乙网格" in gaps and "甲网格" not in gaps
    assert "丙网格" not in html


def test_people_responsible_for_the_root_with_masked_phone(client, world, staff_factory):
    chief = staff_factory(unit=world.office, name="主任某", phone="13812345678")
    roster_services.assign(actor=SYSTEM, staff=chief, unit=world.office, role="office_leader")
    with_contact = make_user("lead_contact", world.office, "office_leader")
    without_contact = make_user("dept_staff", world.office, "department_staff")
    html = page(client, with_contact)
    responsible = html.split('data-testid="home-responsible"')[1].split("</section>")[0]
    # Masked for everyone; a role with contacts reveals it on demand.
    assert "主任某" in responsible and "13812345678" not in responsible
    assert "13812345678" in revealed(client, responsible)
    client.logout()
    html = page(client, without_contact)
    assert "主任某" in html
    assert "13812345678" not in html and "138****5678" in html


def test_gaps_list_is_capped_with_a_link_to_the_full_list(client, world, office_leader):
    for n in range(55):
        make_unit(world.workstation, Level.GRID, f"补充网格{n:02d}")
    html = page(client, office_leader)
    gaps = html.split('data-testid="home-gaps"')[1].split("</section>")[0]
    assert gaps.count("<li>") == 50
    assert reverse("org:leaderless") in gaps
    assert stat(html, "leaderless") == 57


def test_account_without_jurisdiction_sees_the_message_and_no_data(en, world):
    nobody = make_user("nobody", None, "district_admin")
    html = page(en, nobody)
    assert 'data-testid="no-jurisdiction"' in html
    assert "no jurisdiction; ask an administrator" in html
    for name in ("航空港区", "郑港办事处", "甲网格"):
        assert name not in html
    assert 'data-testid="home-stats"' not in html


def test_home_is_a_handful_of_queries_however_big_the_tree(client, world, admin_user):
    client.force_login(admin_user)
    client.get(reverse("core:home"))  # warm up session and caches
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("core:home"))
    for _v in range(5):
        village = make_unit(world.other_office, Level.VILLAGE)
        for _w in range(3):
            station = make_unit(village, Level.WORKSTATION)
            for _g in range(4):
                make_unit(station, Level.GRID)
    with CaptureQueriesContext(connection) as big:
        html = client.get(reverse("core:home")).content.decode()
    assert stat(html, "grids") == 3 + 5 * 3 * 4
    assert len(big) == len(small)
    # The summary's handful, and one count per item of "today" the role holds.
    from wangge.core.access import has_permission
    from wangge.core.home import registered_home_items

    held = sum(
        1
        for item in registered_home_items()
        if not item.permission or has_permission(admin_user, item.permission)
    )
    assert len(big) <= 12 + held, [q["sql"] for q in big]
