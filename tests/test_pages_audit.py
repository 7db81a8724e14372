"""HTTP tests of the audit log pages: permission, scoping, channels, filters, diffs, masking."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_user
from wangge.accounts.models import Role
from wangge.audit.models import Action, AuditEvent
from wangge.roster import services

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def rows_of(response):
    return response.context["rows"]


def test_audit_log_needs_audit_view(world, grid_leader_a):
    client = client_for(grid_leader_a)
    assert client.get(reverse("audit:event_list")).status_code == 403
    event = AuditEvent.objects.filter(path__startswith=world.grid_a.path).first()
    assert client.get(reverse("audit:event_detail", kwargs={"event_id": event.pk})).status_code == 403


def test_anonymous_is_sent_to_login(world):
    response = Client().get(reverse("audit:event_list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_changes_from_the_pages_and_the_api_show_with_their_channel(world, office_leader):
    client = client_for(office_leader)
    client.post(
        reverse("roster:staff_create"), {"name": "网页录入", "kind": "grid_staff", "unit": world.grid_a.pk}
    )
    api = client.post(
        "/api/v1/roster/staff",
        data=json.dumps({"unit_id": world.grid_b.pk, "name": "接口录入", "kind": "volunteer"}),
        content_type="application/json",
    )
    assert api.status_code == 201
    response = client.get(reverse("audit:event_list"), {"action": "create", "model": "roster.staffmember"})
    text = response.content.decode()
    assert 'data-testid="audit-table"' in text
    channels = {row.event.object_repr: row.event.channel for row in rows_of(response)}
    assert channels == {"网页录入": "web", "接口录入": "api"}
    assert 'data-channel="web"' in text and 'data-channel="api"' in text
    assert "网页录入" in text and "接口录入" in text


def test_log_is_scoped_to_the_jurisdiction(world, office_leader):
    services.create_staff(actor=office_leader, unit=world.grid_a, name="本办人员")
    other_leader = make_user("other_leader", world.other_office, "office_leader")
    services.create_staff(actor=other_leader, unit=world.other_grid, name="外办人员")
    mine = client_for(office_leader).get(reverse("audit:event_list")).content.decode()
    theirs = client_for(other_leader).get(reverse("audit:event_list")).content.decode()
    assert "本办人员" in mine and "外办人员" not in mine
    assert "外办人员" in theirs and "本办人员" not in theirs


def test_event_detail_is_404_outside_scope_like_missing(world, office_leader):
    other_leader = make_user("other_leader", world.other_office, "office_leader")
    staff = services.create_staff(actor=other_leader, unit=world.other_grid, name="外办人员")
    event = AuditEvent.objects.get(model="roster.staffmember", object_id=str(staff.pk))
    client = client_for(office_leader)
    assert client.get(reverse("audit:event_detail", kwargs={"event_id": event.pk})).status_code == 404
    assert client.get(reverse("audit:event_detail", kwargs={"event_id": 987654})).status_code == 404
    assert (
        client_for(other_leader).get(reverse("audit:event_detail", kwargs={"event_id": event.pk})).status_code
        == 200
    )


def test_event_detail_shows_full_before_and_after(world, office_leader):
    staff = services.create_staff(actor=office_leader, unit=world.grid_a, name="改名前", title="网格员")
    services.update_staff(actor=office_leader, staff=staff, name="改名后")
    event = AuditEvent.objects.get(action=Action.UPDATE, object_id=str(staff.pk))
    response = client_for(office_leader).get(reverse("audit:event_detail", kwargs={"event_id": event.pk}))
    text = response.content.decode()
    assert "改名前" in text and "改名后" in text
    assert "网格员" in text  # unchanged fields are shown too
    fields = {f.field: f for f in response.context["fields"]}
    assert fields["name"].changed and not fields["title"].changed
    assert fields["unit_id"].before == f"{world.grid_a.name} (#{world.grid_a.pk})"


def test_compact_diff_lists_changed_fields(world, office_leader):
    staff = services.create_staff(actor=office_leader, unit=world.grid_a, name="张三", title="网格员")
    services.update_staff(actor=office_leader, staff=staff, title="网格长")
    response = client_for(office_leader).get(reverse("audit:event_list"), {"action": "update"})
    (row,) = rows_of(response)
    assert [(c.field, c.before, c.after) for c in row.changes] == [("title", "网格员", "网格长")]
    assert "<del>网格员</del>" in response.content.decode()


def test_filters(world, office_leader, staff_factory):
    other_editor = make_user("second_editor", world.office, "office_leader")
    a = services.create_staff(actor=office_leader, unit=world.grid_a, name="甲")
    b = services.create_staff(actor=other_editor, unit=world.grid_a, name="乙")
    client = client_for(office_leader)
    client.get(reverse("roster:staff_detail", kwargs={"staff_id": a.pk}))
    url = reverse("audit:event_list")

    def reprs(**params):
        return [(r.event.action, r.event.object_repr) for r in rows_of(client.get(url, params))]

    assert reprs(actor="second") == [("create", "乙")]
    assert reprs(action="view") == [("view", "甲")]
    assert reprs(model="roster.staffmember", object_id=str(b.pk)) == [("create", "乙")]
    assert ("create", "冢刘村") in reprs(model="org.orgunit", action="create")
    assert ("create", "张庄村") not in reprs(model="org.orgunit", action="create")  # the other office
    assert reprs(date_from="2000-01-01", date_to="2000-01-02") == []
    assert len(reprs(date_from="2000-01-01")) >= 3


def test_contact_fields_are_masked_for_an_auditor_without_contact(world, office_leader):
    Role.objects.create(code="auditor", name="Auditor", permissions=["audit.view"])
    auditor = make_user("auditor", world.office, "auditor")
    staff = services.create_staff(actor=office_leader, unit=world.grid_a, name="张三", phone="13812345678")
    services.update_staff(actor=office_leader, staff=staff, phone="13987654321")
    event = AuditEvent.objects.get(action=Action.UPDATE, object_id=str(staff.pk))
    client = client_for(auditor)
    for response in (
        client.get(reverse("audit:event_list")),
        client.get(reverse("audit:event_detail", kwargs={"event_id": event.pk})),
    ):
        text = response.content.decode()
        assert "13812345678" not in text and "13987654321" not in text
        assert "138****5678" in text
    full = client_for(office_leader).get(reverse("audit:event_list")).content.decode()
    assert "13812345678" in full


def test_htmx_returns_only_the_table(world, office_leader):
    services.create_staff(actor=office_leader, unit=world.grid_a, name="张三")
    response = client_for(office_leader).get(
        reverse("audit:event_list"),
        {"actor": "office"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="audit-results",
    )
    text = response.content.decode()
    assert "<html" not in text and 'data-testid="audit-table"' in text and "张三" in text


def test_rows_link_to_the_record_page(world, office_leader):
    staff = services.create_staff(actor=office_leader, unit=world.grid_a, name="张三")
    response = client_for(office_leader).get(reverse("audit:event_list"), {"model": "roster.staffmember"})
    (row,) = rows_of(response)
    assert row.url == reverse("roster:staff_detail", kwargs={"staff_id": staff.pk})


def test_list_queries_do_not_grow_with_the_rows(world, office_leader):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(office_leader)
    url = reverse("audit:event_list")
    services.create_staff(actor=office_leader, unit=world.grid_a, name="人员0")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(1, 15):
        staff = services.create_staff(actor=office_leader, unit=world.grid_a, name=f"人员{i}")
        services.assign(actor=office_leader, staff=staff, unit=world.grid_b, role="grid_worker")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) <= len(few) + 2  # at most the name look-ups of referenced staff and units
