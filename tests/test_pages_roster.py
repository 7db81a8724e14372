"""HTTP tests of the roster pages: scoping, masking, audit of views and changes, services behind forms."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_user
from tests.factories.reveal import revealed
from wangge.audit.models import Action, AuditEvent
from wangge.core.access import SYSTEM
from wangge.roster import services
from wangge.roster.models import Assignment, Department, StaffMember, WorkingGroup, WorkingGroupMember

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
MASKED = "138****5678"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def staff_url(staff) -> str:
    return reverse("roster:staff_detail", kwargs={"staff_id": staff.pk})


def view_events(staff):
    return AuditEvent.objects.filter(action=Action.VIEW, model="roster.staffmember", object_id=str(staff.pk))


# --- list ---------------------------------------------------------------------


def test_list_masks_phones_even_for_contact_role(world, office_leader, staff_factory):
    staff_factory(unit=world.grid_a, name="王小明", phone=PHONE)
    response = client_for(office_leader).get(reverse("roster:staff_list"))
    text = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="staff-table"' in text
    assert "王小明" in text
    assert MASKED in text
    assert PHONE not in text


def test_grid_leader_sees_only_own_grid_in_list(world, grid_leader_a, staff_factory):
    staff_factory(unit=world.grid_a, name="甲格人员")
    staff_factory(unit=world.grid_b, name="乙格人员")
    staff_factory(unit=world.other_grid, name="外办人员")
    text = client_for(grid_leader_a).get(reverse("roster:staff_list")).content.decode()
    assert "甲格人员" in text
    assert "乙格人员" not in text
    assert "外办人员" not in text
    assert "乙网格" not in text  # not even in the unit filter


def test_list_filters(world, office_leader, staff_factory):
    a = staff_factory(unit=world.grid_a, name="张甲", title="网格长", phone="13900001111", kind="grid_staff")
    staff_factory(unit=world.grid_b, name="李乙", title="网格员", phone="13900002222", kind="volunteer")
    staff_factory(unit=world.village, name="赵丙", kind="village_cadre", is_active=False)
    services.assign(actor=SYSTEM, staff=a, unit=world.grid_a, role="grid_leader")
    client = client_for(office_leader)
    url = reverse("roster:staff_list")

    def names(**params):
        page = client.get(url, params).context["page_obj"]
        return {s.name for s in page}

    assert names() == {"张甲", "李乙"}  # inactive hidden by default
    assert names(inactive="on") == {"张甲", "李乙", "赵丙"}
    assert names(q="张") == {"张甲"}
    assert names(q="2222") == {"李乙"}  # phone tail
    assert names(q="网格员") == {"李乙"}  # title
    assert names(unit=world.grid_b.pk) == {"李乙"}
    assert names(unit=world.village.pk, inactive="on") == {"张甲", "李乙", "赵丙"}  # subtree
    assert names(kind="volunteer") == {"李乙"}
    assert names(role="grid_leader") == {"张甲"}


def test_list_filter_with_foreign_unit_is_an_error_not_a_leak(world, office_leader, staff_factory):
    staff_factory(unit=world.other_grid, name="外办人员")
    staff_factory(unit=world.grid_a, name="本办人员")
    response = client_for(office_leader).get(reverse("roster:staff_list"), {"unit": world.other_grid.pk})
    text = response.content.decode()
    assert response.status_code == 200
    assert "外办人员" not in text
    assert response.context["form"].errors["unit"]


def test_list_htmx_returns_only_the_table(world, office_leader, staff_factory):
    staff_factory(unit=world.grid_a, name="王小明")
    response = client_for(office_leader).get(
        reverse("roster:staff_list"), {"q": "王"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="staff-results"
    )
    text = response.content.decode()
    assert 'data-testid="staff-table"' in text
    assert "<html" not in text
    assert "王小明" in text
    assert "HX-Request" in response["Vary"]


def test_list_has_no_n_plus_one(world, office_leader, staff_factory):
    client = client_for(office_leader)
    url = reverse("roster:staff_list")

    def add(n):
        for _ in range(n):
            s = staff_factory(unit=world.grid_a)
            services.assign(actor=SYSTEM, staff=s, unit=world.grid_b, role="grid_worker")

    add(2)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add(20)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.context["page_obj"].paginator.count == 22
    assert "乙网格" in response.content.decode()  # current responsibilities are shown
    assert len(many) == len(few)


def test_list_is_paginated(world, office_leader, staff_factory, settings):
    settings.WANGGE_PAGE_SIZE = 5
    for _ in range(12):
        staff_factory(unit=world.grid_a)
    response = client_for(office_leader).get(reverse("roster:staff_list"), {"page": 3})
    page = response.context["page_obj"]
    assert page.number == 3
    assert len(page.object_list) == 2


# --- detail -----------------------------------------------------------------------


def test_detail_writes_a_view_row_on_every_get(world, office_leader, staff_factory):
    staff = staff_factory(unit=world.grid_a)
    client = client_for(office_leader)
    client.get(staff_url(staff))
    client.get(staff_url(staff))
    events = list(view_events(staff))
    assert len(events) == 2
    assert {e.actor_id for e in events} == {office_leader.pk}
    assert {e.channel for e in events} == {"web"}


def test_detail_full_phone_only_with_view_contact(world, office_leader, staff_factory):
    staff = staff_factory(unit=world.grid_a, phone=PHONE)
    worker = make_user("worker_a", world.grid_a, "grid_worker")  # roster.view without view_contact
    leader = client_for(office_leader)
    full = leader.get(staff_url(staff)).content.decode()
    masked = client_for(worker).get(staff_url(staff)).content.decode()
    assert PHONE not in full and PHONE in revealed(leader, full)  # on demand, audited
    assert MASKED in masked
    assert PHONE not in masked
    assert view_events(staff).count() == 2  # both views are audited


def test_history_does_not_leak_the_phone_to_a_role_without_contact(world, office_leader, staff_factory):
    staff = staff_factory(unit=world.grid_a, phone=PHONE)
    services.update_staff(actor=office_leader, staff=staff, phone="13987654321")
    worker = make_user("worker_a", world.grid_a, "grid_worker")
    text = client_for(worker).get(staff_url(staff)).content.decode()
    assert PHONE not in text and "13987654321" not in text
    assert MASKED in text  # the change itself is shown, masked
    text = client_for(office_leader).get(staff_url(staff)).content.decode()
    assert PHONE in text and "13987654321" in text


def test_grid_leader_cannot_open_staff_of_another_grid(world, grid_leader_a, staff_factory):
    other = staff_factory(unit=world.grid_b)
    client = client_for(grid_leader_a)
    assert client.get(staff_url(other)).status_code == 404
    missing = reverse("roster:staff_detail", kwargs={"staff_id": 987654})
    assert client.get(missing).status_code == 404
    assert not view_events(other).exists()


def test_detail_shows_responsibilities_groups_and_history(world, office_leader, staff_factory):
    staff = staff_factory(unit=world.grid_a, name="刘网格")
    past_start = timezone.localdate() - timedelta(days=30)
    services.assign(
        actor=SYSTEM,
        staff=staff,
        unit=world.grid_b,
        role="grid_worker",
        start_date=past_start,
        end_date=past_start + timedelta(days=5),
    )
    services.assign(actor=SYSTEM, staff=staff, unit=world.grid_a, role="grid_leader")
    group = services.create_working_group(actor=SYSTEM, office=world.office, name="排查组")
    services.add_group_member(actor=SYSTEM, group=group, staff=staff, is_lead=True)
    services.update_staff(actor=office_leader, staff=staff, title="网格长")
    response = client_for(office_leader).get(staff_url(staff))
    ctx = response.context
    assert [a.unit for a in ctx["current"]] == [world.grid_a]
    assert [a.unit for a in ctx["past"]] == [world.grid_b]
    assert [m.group for m in ctx["memberships"]] == [group]
    text = response.content.decode()
    assert "排查组" in text
    assert "网格长" in text
    assert any(row.event.action == Action.UPDATE for row in ctx["history"])


# --- create / edit ------------------------------------------------------------------


def staff_payload(unit, **extra):
    data = {
        "name": "新人员",
        "gender": "F",
        "phone": PHONE,
        "kind": "grid_staff",
        "title": "网格员",
        "unit": unit.pk,
        "department": "",
        "note": "",
    }
    data.update(extra)
    return data


def test_create_staff_through_the_page_is_audited(world, office_leader):
    response = client_for(office_leader).post(reverse("roster:staff_create"), staff_payload(world.grid_a))
    staff = StaffMember.objects.get(name="新人员")
    assert response.status_code == 302
    assert response["Location"] == staff_url(staff)
    assert staff.unit == world.grid_a and staff.path == world.grid_a.path
    event = AuditEvent.objects.get(action=Action.CREATE, model="roster.staffmember", object_id=str(staff.pk))
    assert event.actor == office_leader
    assert event.channel == "web"
    assert event.after["name"] == "新人员" and event.after["phone"] == PHONE


def test_create_with_a_unit_outside_scope_creates_nothing(world, office_leader):
    events_before = AuditEvent.objects.count()
    response = client_for(office_leader).post(reverse("roster:staff_create"), staff_payload(world.other_grid))
    assert response.status_code == 200
    assert response.context["form"].errors["unit"]
    assert not StaffMember.objects.filter(name="新人员").exists()
    assert AuditEvent.objects.count() == events_before


def test_create_shows_service_validation_on_the_form(world, office_leader):
    response = client_for(office_leader).post(
        reverse("roster:staff_create"), staff_payload(world.grid_a, phone="12345")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["phone"]
    assert not StaffMember.objects.filter(name="新人员").exists()


def test_create_needs_roster_edit(world, grid_leader_a):
    client = client_for(grid_leader_a)
    assert client.get(reverse("roster:staff_create")).status_code == 403
    assert client.post(reverse("roster:staff_create"), staff_payload(world.grid_a)).status_code == 403
    assert not StaffMember.objects.filter(name="新人员").exists()


def test_edit_writes_before_and_after(world, office_leader, staff_factory):
    staff = staff_factory(unit=world.grid_a, name="老名字", phone=PHONE, title="网格员")
    response = client_for(office_leader).post(
        reverse("roster:staff_edit", kwargs={"staff_id": staff.pk}),
        staff_payload(world.grid_b, name="老名字", title="网格长"),
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.title == "网格长" and staff.unit == world.grid_b and staff.path == world.grid_b.path
    event = AuditEvent.objects.get(action=Action.UPDATE, model="roster.staffmember", object_id=str(staff.pk))
    assert event.before["title"] == "网格员" and event.after["title"] == "网格长"
    assert event.before["unit_id"] == world.grid_a.pk and event.after["unit_id"] == world.grid_b.pk


def test_edit_cannot_move_someone_out_of_scope(world, office_leader, staff_factory):
    staff = staff_factory(unit=world.grid_a, name="老名字")
    response = client_for(office_leader).post(
        reverse("roster:staff_edit", kwargs={"staff_id": staff.pk}),
        staff_payload(world.other_grid, name="老名字"),
    )
    assert response.status_code == 200
    staff.refresh_from_db()
    assert staff.unit == world.grid_a
    assert not AuditEvent.objects.filter(action=Action.UPDATE, object_id=str(staff.pk)).exists()


def test_edit_form_never_shows_the_phone_to_a_role_without_contact(world, staff_factory):
    from wangge.accounts.models import Role

    Role.objects.create(code="editor_no_contact", name="Editor", permissions=["roster.view", "roster.edit"])
    editor = make_user("editor", world.village, "editor_no_contact")
    staff = staff_factory(unit=world.grid_a, name="老名字", phone=PHONE)
    client = client_for(editor)
    url = reverse("roster:staff_edit", kwargs={"staff_id": staff.pk})
    assert PHONE not in client.get(url).content.decode()
    payload = staff_payload(world.grid_a, name="新名字")
    payload.pop("phone")
    assert client.post(url, payload).status_code == 302
    staff.refresh_from_db()
    assert staff.name == "新名字" and staff.phone == PHONE  # the number was kept, not blanked


def test_deactivate_and_reactivate(world, office_leader, staff_factory):
    staff = staff_factory(unit=world.grid_a)
    client = client_for(office_leader)
    deactivate = reverse("roster:staff_deactivate", kwargs={"staff_id": staff.pk})
    assert client.get(deactivate).status_code == 405
    assert client.post(deactivate).status_code == 302
    staff.refresh_from_db()
    assert staff.is_active is False
    assert client.post(reverse("roster:staff_reactivate", kwargs={"staff_id": staff.pk})).status_code == 302
    staff.refresh_from_db()
    assert staff.is_active is True
    changes = AuditEvent.objects.filter(action=Action.UPDATE, object_id=str(staff.pk)).order_by("id")
    assert [e.after["is_active"] for e in changes] == [False, True]


def test_deactivate_of_foreign_staff_is_404_and_changes_nothing(world, grid_leader_a, staff_factory):
    editor = make_user("editor_a", world.grid_a, "village_cadre")  # roster.edit, grid A only
    other = staff_factory(unit=world.grid_b)
    response = client_for(editor).post(reverse("roster:staff_deactivate", kwargs={"staff_id": other.pk}))
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.is_active is True


# --- responsibilities ---------------------------------------------------------------


def test_assign_from_the_persons_page(world, office_leader, staff_factory):
    staff = staff_factory(unit=world.village)
    today = timezone.localdate()
    response = client_for(office_leader).post(
        reverse("roster:assign", kwargs={"staff_id": staff.pk}),
        {
            "unit": world.grid_a.pk,
            "role": "grid_leader",
            "start_date": today.isoformat(),
            "end_date": "",
            "note": "",
        },
    )
    assert response.status_code == 302 and response["Location"] == staff_url(staff)
    assignment = Assignment.objects.get(staff=staff)
    assert (assignment.unit, assignment.role, assignment.start_date) == (world.grid_a, "grid_leader", today)
    assert AuditEvent.objects.filter(action=Action.CREATE, model="roster.assignment", channel="web").exists()


def test_assign_shows_the_services_rule(world, office_leader, staff_factory):
    staff = staff_factory(unit=world.village)
    response = client_for(office_leader).post(
        reverse("roster:assign", kwargs={"staff_id": staff.pk}),
        {"unit": world.village.pk, "role": "grid_leader", "start_date": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["role"]  # a grid leader belongs to a grid
    assert not Assignment.objects.filter(staff=staff).exists()


def test_assign_to_a_unit_outside_scope_creates_nothing(world, office_leader, staff_factory):
    staff = staff_factory(unit=world.village)
    response = client_for(office_leader).post(
        reverse("roster:assign", kwargs={"staff_id": staff.pk}),
        {"unit": world.other_grid.pk, "role": "grid_worker", "start_date": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200
    assert not Assignment.objects.exists()


def test_end_a_responsibility(world, office_leader, staff_factory):
    staff = staff_factory(unit=world.grid_a)
    start = timezone.localdate() - timedelta(days=10)
    assignment = services.assign(
        actor=SYSTEM, staff=staff, unit=world.grid_a, role="grid_worker", start_date=start
    )
    response = client_for(office_leader).post(
        reverse("org:assignment_end", kwargs={"assignment_id": assignment.pk}),
        {"end_date": "", "next": staff_url(staff)},
    )
    assert response.status_code == 302 and response["Location"] == staff_url(staff)
    assignment.refresh_from_db()
    assert assignment.end_date == timezone.localdate()


def test_ending_a_responsibility_never_redirects_off_site(world, office_leader, staff_factory):
    staff = staff_factory(unit=world.grid_a)
    assignment = services.assign(actor=SYSTEM, staff=staff, unit=world.grid_a, role="grid_worker")
    response = client_for(office_leader).post(
        reverse("org:assignment_end", kwargs={"assignment_id": assignment.pk}),
        {"end_date": "", "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and "evil" not in response["Location"]


# --- working groups -------------------------------------------------------------------


@pytest.fixture
def group(world):
    return services.create_working_group(
        actor=SYSTEM, office=world.office, name="核酸检测组", line_of_work="全员核酸"
    )


def test_group_list_shows_groups_with_lead_and_count(world, office_leader, group, staff_factory):
    lead = staff_factory(unit=world.office, name="组长甲")
    services.add_group_member(actor=SYSTEM, group=group, staff=lead, is_lead=True)
    services.add_group_member(actor=SYSTEM, group=group, staff=staff_factory(unit=world.grid_a))
    services.create_working_group(actor=SYSTEM, office=world.other_office, name="外办排查组")
    response = client_for(office_leader).get(reverse("roster:group_list"))
    text = response.content.decode()
    assert "核酸检测组" in text and "组长甲" in text
    assert "外办排查组" not in text
    (entry,) = response.context["offices"]
    (shown,) = entry["groups"]
    assert shown.member_count == 2 and [m.staff for m in shown.leads] == [lead]


def test_group_detail_masks_phones_and_is_scoped(world, office_leader, grid_leader_a, group, staff_factory):
    member = staff_factory(unit=world.grid_a, phone=PHONE)
    services.add_group_member(actor=SYSTEM, group=group, staff=member)
    url = reverse("roster:group_detail", kwargs={"group_id": group.pk})
    text = client_for(office_leader).get(url).content.decode()
    assert MASKED in text and PHONE not in text
    assert client_for(grid_leader_a).get(url).status_code == 404  # the office's group is above a grid


def test_add_search_remove_and_lead_members(world, office_leader, group, staff_factory):
    first = staff_factory(unit=world.grid_a, name="成员甲")
    second = staff_factory(unit=world.grid_b, name="成员乙")
    client = client_for(office_leader)
    detail = reverse("roster:group_detail", kwargs={"group_id": group.pk})
    found = client.get(detail, {"q": "成员"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="group-candidates")
    assert "<html" not in found.content.decode()
    assert {p.name for p in found.context["candidates"]} == {"成员甲", "成员乙"}

    add = reverse("roster:group_member_add", kwargs={"group_id": group.pk})
    assert client.post(add, {"staff": first.pk}).status_code == 302
    assert client.post(add, {"staff": second.pk, "is_lead": "on"}).status_code == 302
    assert set(group.memberships.values_list("staff__name", "is_lead")) == {
        ("成员甲", False),
        ("成员乙", True),
    }

    member = group.memberships.get(staff=first)
    lead = reverse("roster:group_member_lead", kwargs={"group_id": group.pk, "member_id": member.pk})
    assert client.post(lead).status_code == 302
    assert set(group.memberships.values_list("staff__name", "is_lead")) == {
        ("成员甲", True),
        ("成员乙", False),
    }

    member = group.memberships.get(staff=second)
    remove = reverse("roster:group_member_remove", kwargs={"group_id": group.pk, "member_id": member.pk})
    assert client.get(remove).status_code == 405
    assert client.post(remove).status_code == 302
    assert list(group.memberships.values_list("staff__name", flat=True)) == ["成员甲"]
    assert AuditEvent.objects.filter(
        model="roster.workinggroupmember", action=Action.DELETE, channel="web"
    ).exists()


def test_adding_a_foreign_person_to_a_group_changes_nothing(world, office_leader, group, staff_factory):
    foreign = staff_factory(unit=world.other_grid)
    response = client_for(office_leader).post(
        reverse("roster:group_member_add", kwargs={"group_id": group.pk}), {"staff": foreign.pk}
    )
    assert response.status_code == 302
    assert not WorkingGroupMember.objects.exists()


def test_removing_a_member_of_another_group_is_404(world, office_leader, group, staff_factory):
    other_group = services.create_working_group(actor=SYSTEM, office=world.office, name="流调组")
    member = services.add_group_member(
        actor=SYSTEM, group=other_group, staff=staff_factory(unit=world.grid_a)
    )
    url = reverse("roster:group_member_remove", kwargs={"group_id": group.pk, "member_id": member.pk})
    assert client_for(office_leader).post(url).status_code == 404
    assert WorkingGroupMember.objects.filter(pk=member.pk).exists()


def test_group_create_only_for_offices_in_scope(world, office_leader):
    client = client_for(office_leader)
    url = reverse("roster:group_create")
    response = client.post(url, {"office": world.other_office.pk, "name": "外办组"})
    assert response.status_code == 200 and response.context["form"].errors["office"]
    assert not WorkingGroup.objects.exists()
    response = client.post(url, {"office": world.office.pk, "name": "转运组", "line_of_work": "样本转运"})
    group = WorkingGroup.objects.get(name="转运组")
    assert response["Location"] == reverse("roster:group_detail", kwargs={"group_id": group.pk})
    assert AuditEvent.objects.filter(
        model="roster.workinggroup", action=Action.CREATE, object_id=str(group.pk)
    ).exists()
    duplicate = client.post(url, {"office": world.office.pk, "name": "转运组"})
    assert duplicate.status_code == 200 and duplicate.context["form"].non_field_errors()


# --- departments --------------------------------------------------------------------


def test_departments_list_and_create(world, office_leader, staff_factory):
    dept = services.create_department(
        actor=SYSTEM, unit=world.office, kind="police_station", name="郑港派出所"
    )
    services.create_department(
        actor=SYSTEM, unit=world.other_office, kind="police_station", name="张庄派出所"
    )
    staff_factory(unit=world.office, department=dept)
    staff_factory(unit=world.office, department=dept, is_active=False)
    client = client_for(office_leader)
    response = client.get(reverse("roster:department_list"))
    text = response.content.decode()
    assert "郑港派出所" in text and "张庄派出所" not in text
    assert [d.member_count for d in response.context["departments"]] == [1]

    create = reverse("roster:department_create")
    foreign = client.post(
        create, {"unit": world.other_office.pk, "kind": "supervision", "name": "外办督查办"}
    )
    assert foreign.status_code == 200 and not Department.objects.filter(name="外办督查办").exists()
    created = client.post(create, {"unit": world.office.pk, "kind": "market_regulation", "name": ""})
    assert created.status_code == 302
    assert Department.objects.filter(unit=world.office, kind="market_regulation").exists()


def test_staff_list_filters_by_department(world, office_leader, staff_factory):
    dept = services.create_department(actor=SYSTEM, unit=world.office, kind="supervision", name="督查办")
    staff_factory(unit=world.office, name="督查员", department=dept)
    staff_factory(unit=world.office, name="其他人")
    page = (
        client_for(office_leader)
        .get(reverse("roster:staff_list"), {"department": dept.pk})
        .context["page_obj"]
    )
    assert [s.name for s in page] == ["督查员"]


def test_roster_pages_need_roster_view(world, staff_factory):
    volunteer = make_user("volunteer_a", world.grid_a, "volunteer")  # org.view only
    staff = staff_factory(unit=world.grid_a)
    client = client_for(volunteer)
    assert client.get(reverse("roster:staff_list")).status_code == 403
    assert client.get(staff_url(staff)).status_code == 403
    assert client.get(reverse("roster:group_list")).status_code == 403
    assert not view_events(staff).exists()
