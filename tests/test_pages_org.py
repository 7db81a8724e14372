"""The pages of the tree: browsing, changing units, and who answers for them."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_unit, make_user
from tests.factories.reveal import revealed
from wangge.audit.models import AuditEvent
from wangge.core.access import SYSTEM
from wangge.org import services as org_services
from wangge.org.models import Level, OrgUnit
from wangge.roster import services as roster_services
from wangge.roster.models import Assignment, StaffMember


@pytest.fixture
def en(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def login(client, user):
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def section(html: str, testid: str) -> str:
    return html.split(f'data-testid="{testid}"', 1)[1].split("</section>", 1)[0]


# --- browsing ------------------------------------------------------------------


def test_office_leader_sees_the_office_tree(client, world, office_leader):
    html = text(login(client, office_leader).get(reverse("org:tree")))
    tree = html.split('data-testid="tree"', 1)[1]
    for name in ("郑港办事处", "冢刘村", "第一工作站"):
        assert name in tree
    for foreign in ("张庄办事处", "张庄村", "丙网格", "航空港区"):
        assert foreign not in html
    # Levels deeper than the first two load lazily from the children endpoint.
    assert reverse("org:children", args=[world.workstation.pk]) in tree
    assert "甲网格" not in tree


def test_children_endpoint_returns_the_children_in_scope(client, world, office_leader):
    response = login(client, office_leader).get(
        reverse("org:children", args=[world.workstation.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = text(response)
    assert "甲网格" in html and "乙网格" in html
    assert "<html" not in html  # a fragment for htmx
    assert client.get(reverse("org:children", args=[world.other_village.pk])).status_code == 404


def test_closed_units_are_hidden_unless_asked_for(client, world, office_leader):
    org_services.close_unit(actor=SYSTEM, unit=world.grid_b)
    login(client, office_leader)
    url = reverse("org:children", args=[world.workstation.pk])
    assert "乙网格" not in text(client.get(url))
    assert "乙网格" in text(client.get(url + "?closed=1"))
    detail = reverse("org:unit_detail", args=[world.workstation.pk])
    assert "乙网格" not in section(text(client.get(detail)), "unit-stats")
    assert "乙网格" in text(client.get(detail + "?closed=1"))


def test_grid_leader_tree_is_their_grid(client, world, grid_leader_a):
    html = text(login(client, grid_leader_a).get(reverse("org:tree")))
    assert "甲网格" in html
    assert "乙网格" not in html and "第一工作站" not in html


def test_unit_page_breadcrumb_stops_at_the_actors_root(client, world, office_leader):
    html = text(login(client, office_leader).get(reverse("org:unit_detail", args=[world.grid_a.pk])))
    assert 'data-testid="unit-name">甲网格<' in html
    crumbs = html.split('data-testid="breadcrumb"', 1)[1].split("</nav>", 1)[0]
    assert "郑港办事处" in crumbs and "冢刘村" in crumbs and "第一工作站" in crumbs
    assert "航空港区" not in html
    assert world.grid_a.code in html


def test_unit_page_lists_children_with_counts_and_leaders(client, world, office_leader, staff_factory):
    leader = staff_factory(unit=world.workstation, name="站长某")
    roster_services.assign(actor=SYSTEM, staff=leader, unit=world.workstation, role="workstation_leader")
    html = text(login(client, office_leader).get(reverse("org:unit_detail", args=[world.village.pk])))
    row = re.search(rf'<tr data-unit-id="{world.workstation.pk}">(.*?)</tr>', html, re.S).group(1)
    assert "站长某" in row
    assert re.search(r'<td class="num">2</td>', row)  # two grids under it


def test_unit_page_shows_current_and_past_responsibilities(client, world, office_leader, staff_factory):
    today = timezone.localdate()
    old = staff_factory(unit=world.grid_a, name="前任格长")
    new = staff_factory(unit=world.grid_a, name="现任格长")
    roster_services.assign(
        actor=SYSTEM,
        staff=old,
        unit=world.grid_a,
        role="grid_leader",
        start_date=today.replace(year=today.year - 1),
        end_date=today.replace(day=1) - timezone.timedelta(days=1),
    )
    roster_services.assign(actor=SYSTEM, staff=new, unit=world.grid_a, role="grid_leader")
    html = text(login(client, office_leader).get(reverse("org:unit_detail", args=[world.grid_a.pk])))
    current = section(html, "responsible-current")
    other = section(html, "responsible-other")
    assert "现任格长" in current and "前任格长" not in current
    assert "前任格长" in other


def test_phones_are_masked_without_contact_permission(client, world, staff_factory):
    member = staff_factory(unit=world.grid_a, name="某网格员", phone="13912345678")
    roster_services.assign(actor=SYSTEM, staff=member, unit=world.grid_a, role="grid_worker")
    url = reverse("org:unit_detail", args=[world.grid_a.pk])
    worker = make_user("worker_a", world.grid_a, "grid_worker")  # roster.view, no contacts
    html = text(login(client, worker).get(url))
    assert "某网格员" in section(html, "unit-staff")
    assert "13912345678" not in html and "139****5678" in html
    client.logout()
    html = text(login(client, make_user("leader_a2", world.grid_a, "grid_leader")).get(url))
    assert "13912345678" not in html and "13912345678" in revealed(client, section(html, "unit-staff"))


def test_history_shows_the_units_changes_to_auditors_only(client, world, office_leader, grid_leader_a):
    org_services.update_unit(actor=office_leader, unit=world.grid_a, note="新的备注")
    url = reverse("org:unit_detail", args=[world.grid_a.pk])
    html = text(login(client, office_leader).get(url))
    assert "新的备注" in section(html, "unit-history")
    client.logout()
    assert 'data-testid="unit-history"' not in text(login(client, grid_leader_a).get(url))


def test_leaderless_list_paginates_and_filters(client, world, office_leader, settings):
    settings.WANGGE_PAGE_SIZE = 2
    other_village = make_unit(world.office, Level.VILLAGE, "山石王村")
    make_unit(other_village, Level.GRID, "山石王一格")
    login(client, office_leader)
    first = text(client.get(reverse("org:leaderless")))
    assert 'data-testid="leaderless-count">3<' in first
    assert first.count("<tr data-unit-id=") == 2
    second = text(client.get(reverse("org:leaderless") + "?page=2"))
    assert second.count("<tr data-unit-id=") == 1
    under = text(client.get(reverse("org:leaderless") + f"?under={other_village.pk}"))
    assert "山石王一格" in under and "甲网格" not in under
    assert "丙网格" not in first + second
    assert client.get(reverse("org:leaderless") + f"?under={world.other_village.pk}").status_code == 404


# --- jurisdiction on every page -------------------------------------------------

READ_PAGES = ["unit_detail", "children"]
FORM_PAGES = ["unit_create", "unit_edit", "unit_move", "unit_close", "unit_reopen", "assign"]


@pytest.mark.parametrize("name", READ_PAGES + FORM_PAGES)
def test_out_of_scope_unit_answers_404_like_a_missing_one(client, world, office_leader, name):
    login(client, office_leader)
    foreign = reverse(f"org:{name}", args=[world.other_grid.pk])
    missing = reverse(f"org:{name}", args=[987654])
    methods = (client.get, client.post) if name in FORM_PAGES else (client.get,)
    for method in methods:
        assert method(foreign).status_code == 404
        assert method(missing).status_code == 404
    before = OrgUnit.objects.get(pk=world.other_grid.pk)
    client.post(foreign, {"name": "X", "code": "X", "level": Level.GRID, "new_parent": world.village.pk})
    after = OrgUnit.objects.get(pk=world.other_grid.pk)
    assert (after.name, after.path, after.closed_at) == (before.name, before.path, before.closed_at)


def test_out_of_scope_assignment_answers_404(client, world, office_leader, staff_factory):
    foreign_staff = staff_factory(unit=world.other_grid)
    assignment = roster_services.assign(
        actor=SYSTEM, staff=foreign_staff, unit=world.other_grid, role="grid_leader"
    )
    login(client, office_leader)
    url = reverse("org:assignment_end", args=[assignment.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assignment.refresh_from_db()
    assert assignment.end_date is None


def test_changes_need_the_edit_permission(client, world, grid_leader_a):
    login(client, grid_leader_a)
    assert client.get(reverse("org:unit_edit", args=[world.grid_a.pk])).status_code == 403
    assert (
        client.post(reverse("org:unit_edit", args=[world.grid_a.pk]), {"name": "改", "code": "X"}).status_code
        == 403
    )
    assert client.get(reverse("org:assign", args=[world.grid_a.pk])).status_code == 403
    assert OrgUnit.objects.get(pk=world.grid_a.pk).name == "甲网格"


def test_no_jurisdiction_sees_message_on_the_tree(en, world):
    nobody = make_user("nobody", None, "district_admin")
    html = text(login(en, nobody).get(reverse("org:tree")))
    assert "no jurisdiction" in html
    assert "航空港区" not in html
    assert en.get(reverse("org:unit_detail", args=[world.district.pk])).status_code == 404


# --- changes -----------------------------------------------------------------------


def test_rename_through_the_page_changes_the_name_and_writes_audit(client, world, office_leader):
    login(client, office_leader)
    url = reverse("org:unit_edit", args=[world.grid_a.pk])
    assert "甲网格" in text(client.get(url))
    response = client.post(
        url, {"name": "甲网格（新）", "code": world.grid_a.code, "note": "改名", "sort_order": 0}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("org:unit_detail", args=[world.grid_a.pk])
    world.grid_a.refresh_from_db()
    assert world.grid_a.name == "甲网格（新）"
    event = AuditEvent.objects.filter(
        model="org.orgunit", object_id=str(world.grid_a.pk), action="update"
    ).get()
    assert event.before["name"] == "甲网格" and event.after["name"] == "甲网格（新）"
    assert event.actor == office_leader and event.channel == "web"


def test_edit_shows_service_errors_on_the_form(client, world, office_leader):
    login(client, office_leader)
    response = client.post(
        reverse("org:unit_edit", args=[world.grid_a.pk]),
        {"name": "甲网格", "code": world.grid_b.code, "sort_order": 0},
    )
    assert response.status_code == 200
    assert world.grid_b.code in text(response) and 'class="errorlist' in text(response)
    world.grid_a.refresh_from_db()
    assert world.grid_a.code == "D-ZG-ZL-W1-A"


def test_get_never_changes_anything(client, world, office_leader):
    login(client, office_leader)
    for name in ("unit_close", "unit_edit", "unit_move"):
        assert client.get(reverse(f"org:{name}", args=[world.grid_b.pk])).status_code == 200
    world.grid_b.refresh_from_db()
    assert world.grid_b.closed_at is None
    assert not AuditEvent.objects.filter(actor=office_leader).exists()


def test_create_a_unit_with_only_allowed_levels(client, world, office_leader):
    login(client, office_leader)
    url = reverse("org:unit_create", args=[world.village.pk])
    html = text(client.get(url))
    assert f'value="{Level.WORKSTATION}"' in html and f'value="{Level.GRID}"' in html
    assert f'value="{Level.OFFICE}"' not in html
    refused = client.post(url, {"level": Level.OFFICE, "name": "错层", "code": "BAD-1"})
    assert refused.status_code == 200 and not OrgUnit.objects.filter(code="BAD-1").exists()
    response = client.post(url, {"level": Level.GRID, "name": "丁网格", "code": "D-ZG-ZL-D", "note": ""})
    unit = OrgUnit.objects.get(code="D-ZG-ZL-D")
    assert response["Location"] == reverse("org:unit_detail", args=[unit.pk])
    assert unit.parent == world.village and unit.path.startswith(world.village.path)
    assert AuditEvent.objects.filter(
        model="org.orgunit", object_id=str(unit.pk), action="create", actor=office_leader
    ).exists()


def test_moving_a_unit_repaths_its_descendants(client, world, office_leader, staff_factory):
    new_village = make_unit(world.office, Level.VILLAGE, "山石王村")
    homed = staff_factory(unit=world.grid_a)
    login(client, office_leader)
    url = reverse("org:unit_move", args=[world.workstation.pk])
    form = text(client.get(url))
    assert f'value="{new_village.pk}"' in form
    assert "张庄村" not in form  # candidates come from the actor's scope only
    response = client.post(url, {"new_parent": new_village.pk})
    assert response.status_code == 302
    world.workstation.refresh_from_db()
    world.grid_a.refresh_from_db()
    homed.refresh_from_db()
    assert world.workstation.parent == new_village
    assert world.grid_a.path == f"{new_village.path}{world.workstation.pk}/{world.grid_a.pk}/"
    assert homed.path == world.grid_a.path
    assert AuditEvent.objects.filter(
        model="org.orgunit", object_id=str(world.workstation.pk), action="move"
    ).exists()


def test_moving_under_a_unit_outside_the_scope_is_404(client, world, office_leader):
    login(client, office_leader)
    response = client.post(
        reverse("org:unit_move", args=[world.workstation.pk]), {"new_parent": world.other_village.pk}
    )
    assert response.status_code == 404
    world.workstation.refresh_from_db()
    assert world.workstation.parent == world.village


def test_moving_under_a_wrong_level_shows_the_error(client, world, office_leader):
    make_unit(world.office, Level.VILLAGE, "山石王村")
    login(client, office_leader)
    response = client.post(
        reverse("org:unit_move", args=[world.workstation.pk]), {"new_parent": world.grid_b.pk}
    )
    assert response.status_code == 200
    assert 'class="errorlist' in text(response)
    world.workstation.refresh_from_db()
    assert world.workstation.parent == world.village


def test_close_and_reopen_through_confirm_pages(client, world, office_leader, staff_factory):
    member = staff_factory(unit=world.grid_b)
    assignment = roster_services.assign(actor=SYSTEM, staff=member, unit=world.grid_b, role="grid_leader")
    login(client, office_leader)
    close = reverse("org:unit_close", args=[world.grid_b.pk])
    response = client.post(close, {"reason": "合并到甲网格"})
    assert response.status_code == 302
    world.grid_b.refresh_from_db()
    assignment.refresh_from_db()
    assert world.grid_b.closed_at is not None
    assert assignment.end_date == timezone.localdate()
    assert "合并到甲网格" in world.grid_b.note
    response = client.post(reverse("org:unit_reopen", args=[world.grid_b.pk]))
    assert response.status_code == 302
    world.grid_b.refresh_from_db()
    assert world.grid_b.closed_at is None
    actions = list(
        AuditEvent.objects.filter(model="org.orgunit", object_id=str(world.grid_b.pk)).values_list(
            "action", flat=True
        )
    )
    assert "close" in actions and "reopen" in actions


def test_closing_a_unit_with_open_children_is_refused_on_the_page(client, world, office_leader):
    login(client, office_leader)
    response = client.post(reverse("org:unit_close", args=[world.workstation.pk]), {"reason": ""})
    assert response.status_code == 200
    assert 'class="errorlist' in text(response)
    world.workstation.refresh_from_db()
    assert world.workstation.closed_at is None


def test_the_actors_own_root_cannot_be_moved_or_closed(client, world, office_leader):
    login(client, office_leader)
    html = text(client.get(reverse("org:unit_detail", args=[world.office.pk])))
    actions = html.split('data-testid="unit-actions"', 1)[1].split("</div>", 1)[0]
    assert reverse("org:unit_close", args=[world.office.pk]) not in actions
    assert client.post(reverse("org:unit_close", args=[world.office.pk])).status_code == 403
    world.office.refresh_from_db()
    assert world.office.closed_at is None


# --- responsibilities ----------------------------------------------------------------


def test_assign_makes_someone_responsible_and_fills_the_gap(client, world, office_leader, staff_factory):
    person = staff_factory(unit=world.village, name="新格长")
    login(client, office_leader)
    url = reverse("org:assign", args=[world.grid_b.pk])
    form = text(client.get(url))
    assert f'value="{person.pk}"' in form
    assert 'value="grid_leader" selected' in form
    leaderless = reverse("org:leaderless")
    assert "乙网格" in text(client.get(leaderless))
    response = client.post(
        url, {"staff": person.pk, "role": "grid_leader", "start_date": timezone.localdate().isoformat()}
    )
    assert response.status_code == 302
    assignment = Assignment.objects.get(staff=person, unit=world.grid_b)
    assert assignment.role == "grid_leader" and assignment.end_date is None
    assert "乙网格" not in text(client.get(leaderless)).split('data-testid="leaderless-count"')[1]
    assert AuditEvent.objects.filter(
        model="roster.assignment", object_id=str(assignment.pk), actor=office_leader
    ).exists()


def test_assign_search_finds_people_anywhere_in_scope(client, world, office_leader, staff_factory):
    far = make_unit(world.office, Level.VILLAGE, "远村")
    person = staff_factory(unit=far, name="远方干部")
    login(client, office_leader)
    url = reverse("org:assign", args=[world.grid_b.pk])
    assert "远方干部" not in text(client.get(url))  # by default: people around the unit
    assert "远方干部" in text(client.get(url, {"q": "远方"}))
    del person


def test_assign_someone_outside_the_scope_is_404(client, world, office_leader, staff_factory):
    stranger = staff_factory(unit=world.other_village)
    login(client, office_leader)
    response = client.post(
        reverse("org:assign", args=[world.grid_b.pk]),
        {"staff": stranger.pk, "role": "grid_leader", "start_date": timezone.localdate().isoformat()},
    )
    assert response.status_code == 404
    assert not Assignment.objects.filter(staff=stranger).exists()


def test_assign_errors_are_shown_on_the_form(client, world, office_leader, staff_factory):
    person = staff_factory(unit=world.village)
    login(client, office_leader)
    response = client.post(
        reverse("org:assign", args=[world.village.pk]),
        {"staff": person.pk, "role": "grid_leader", "start_date": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200
    assert 'class="errorlist' in text(response)
    assert not Assignment.objects.filter(staff=person).exists()


def test_end_an_assignment(client, world, office_leader, staff_factory):
    person = staff_factory(unit=world.grid_a)
    assignment = roster_services.assign(
        actor=SYSTEM,
        staff=person,
        unit=world.grid_a,
        role="grid_leader",
        start_date=timezone.localdate() - timezone.timedelta(days=30),
    )
    login(client, office_leader)
    url = reverse("org:assignment_end", args=[assignment.pk])
    assert client.get(url).status_code == 200
    assignment.refresh_from_db()
    assert assignment.end_date is None
    response = client.post(url, {"end_date": ""})
    assert response["Location"] == reverse("org:unit_detail", args=[world.grid_a.pk])
    assignment.refresh_from_db()
    assert assignment.end_date == timezone.localdate()
    # Ending it again is refused with a message on the form, not a crash.
    again = client.post(url, {"end_date": ""})
    assert again.status_code == 200 and 'class="errorlist' in text(again)


def test_staff_homed_here_are_paginated(client, world, office_leader, settings):
    settings.WANGGE_PAGE_SIZE = 3
    for n in range(5):
        StaffMember.objects.create(name=f"人员{n}", unit=world.grid_a, path=world.grid_a.path)
    login(client, office_leader)
    url = reverse("org:unit_detail", args=[world.grid_a.pk])
    first = section(text(client.get(url)), "unit-staff")
    assert first.count('<tr><td class="name">') == 3
    second = section(text(client.get(url + "?staff=2")), "unit-staff")
    assert second.count('<tr><td class="name">') == 2


def test_tree_and_unit_page_are_a_handful_of_queries_however_big_the_tree(
    client, world, admin_user, staff_factory
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, admin_user)
    urls = [
        reverse("org:tree"),
        reverse("org:unit_detail", args=[world.office.pk]),
        reverse("org:children", args=[world.office.pk]),
        reverse("org:leaderless"),
    ]
    client.get(urls[0])

    def counts():
        result = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries))
        return result

    small = counts()
    for _v in range(4):
        village = make_unit(world.office, Level.VILLAGE)
        for _g in range(6):
            grid = make_unit(village, Level.GRID)
            person = staff_factory(unit=grid)
            roster_services.assign(actor=SYSTEM, staff=person, unit=grid, role="grid_leader")
    assert counts() == small
    assert max(small) <= 16
