import json

import pytest

from tests.factories import make_user
from wangge.audit.models import AuditEvent
from wangge.org.models import OrgUnit
from wangge.roster import selectors as roster_selectors
from wangge.roster.models import StaffMember


def token_for(client, username, password="pass-word-123"):
    r = client.post(
        "/api/v1/auth/token",
        json.dumps({"username": username, "password": password, "name": "t"}),
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    return r.json()["token"]


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_openapi_document_is_served(client, db):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"].startswith("3.1")
    assert "/api/v1/units/" in doc["paths"] and "/api/v1/roster/staff" in doc["paths"]


def test_api_requires_authentication(client, world):
    assert client.get("/api/v1/units/").status_code == 401


def test_token_auth_scopes_to_jurisdiction(client, world, grid_leader_a):
    token = token_for(client, "leader_a")
    r = client.get("/api/v1/units/", **bearer(token))
    assert r.status_code == 200
    assert [u["name"] for u in r.json()["items"]] == ["甲网格"]
    assert client.get(f"/api/v1/units/{world.grid_b.pk}", **bearer(token)).status_code == 404
    assert client.get("/api/v1/units/987654", **bearer(token)).status_code == 404
    me = client.get("/api/v1/auth/me", **bearer(token)).json()
    assert me["jurisdiction_name"] == "甲网格"


def test_wrong_password_gives_401_and_is_throttled(client, world, grid_leader_a):
    body = json.dumps({"username": "leader_a", "password": "wrong"})
    statuses = [
        client.post("/api/v1/auth/token", body, content_type="application/json").status_code for _ in range(6)
    ]
    assert statuses[0] == 401
    assert statuses[-1] == 429
    # Even the right password is refused while locked out.
    right = json.dumps({"username": "leader_a", "password": "pass-word-123"})
    assert client.post("/api/v1/auth/token", right, content_type="application/json").status_code == 429


def test_revoked_or_garbage_tokens_do_not_authenticate(client, world, grid_leader_a):
    from wangge.accounts.models import ApiToken

    token = token_for(client, "leader_a")
    ApiToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
    assert client.get("/api/v1/auth/me", **bearer(token)).status_code == 401
    assert client.get("/api/v1/auth/me", **bearer("wg_nonsense")).status_code == 401


def test_tree_is_writable_through_the_api_with_audit(client, world, office_leader):
    token = token_for(client, "office_leader")
    payload = {"parent_id": world.village.pk, "code": "API-1", "name": "接口网格", "level": 60}
    r = client.post("/api/v1/units/", json.dumps(payload), content_type="application/json", **bearer(token))
    assert r.status_code == 201, r.content
    unit_id = r.json()["id"]
    r = client.patch(
        f"/api/v1/units/{unit_id}",
        json.dumps({"name": "接口网格二"}),
        content_type="application/json",
        **bearer(token),
    )
    assert r.json()["name"] == "接口网格二"
    r = client.post(
        f"/api/v1/units/{unit_id}/move",
        json.dumps({"new_parent_id": world.workstation.pk}),
        content_type="application/json",
        **bearer(token),
    )
    assert r.json()["parent_id"] == world.workstation.pk
    r = client.post(
        f"/api/v1/units/{unit_id}/close",
        json.dumps({"reason": "合并"}),
        content_type="application/json",
        **bearer(token),
    )
    assert r.json()["closed"] is True
    events = AuditEvent.objects.filter(model="org.orgunit", object_id=str(unit_id)).order_by("id")
    assert [e.action for e in events] == ["create", "update", "move", "close"]
    assert {e.channel for e in events} == {"api"}
    assert all(e.actor_name == "office_leader" for e in events)


def test_bad_input_gets_clear_errors(client, world, office_leader):
    token = token_for(client, "office_leader")
    payload = {"parent_id": world.grid_a.pk, "code": "API-2", "name": "x", "level": 40}
    r = client.post("/api/v1/units/", json.dumps(payload), content_type="application/json", **bearer(token))
    assert r.status_code == 422
    assert r.json()["detail"]
    assert not OrgUnit.objects.filter(code="API-2").exists()
    r = client.post(
        "/api/v1/units/",
        json.dumps({"parent_id": world.other_village.pk, "code": "API-3", "name": "x", "level": 60}),
        content_type="application/json",
        **bearer(token),
    )
    assert r.status_code == 404


def test_role_without_permission_gets_403(client, world, grid_leader_a):
    token = token_for(client, "leader_a")
    payload = {"parent_id": world.grid_a.pk, "code": "API-4", "name": "x", "level": 60}
    r = client.post("/api/v1/units/", json.dumps(payload), content_type="application/json", **bearer(token))
    assert r.status_code == 403


def test_roster_through_api_masks_phone_without_contact_permission(client, world, office_leader):
    token = token_for(client, "office_leader")
    r = client.post(
        "/api/v1/roster/staff",
        json.dumps(
            {"unit_id": world.grid_a.pk, "name": "赵敏", "phone": "13912345678", "kind": "grid_staff"}
        ),
        content_type="application/json",
        **bearer(token),
    )
    assert r.status_code == 201, r.content
    staff_id = r.json()["id"]
    assert r.json()["phone"] == "13912345678"
    worker = make_user("worker_a", world.grid_a, "grid_worker")
    worker_token = token_for(client, worker.username)
    listed = client.get("/api/v1/roster/staff", **bearer(worker_token)).json()["items"]
    assert [s["phone"] for s in listed] == ["139****5678"]
    detail = client.get(f"/api/v1/roster/staff/{staff_id}", **bearer(worker_token))
    assert detail.json()["phone"] == "139****5678"
    assert AuditEvent.objects.filter(action="view", object_id=str(staff_id), actor=worker).exists()


def test_assignments_through_api(client, world, office_leader):
    token = token_for(client, "office_leader")
    staff = StaffMember.objects.create(name="钱多", unit=world.grid_b, path=world.grid_b.path)
    r = client.post(
        "/api/v1/roster/assignments",
        json.dumps({"staff_id": staff.pk, "unit_id": world.grid_b.pk, "role": "grid_leader"}),
        content_type="application/json",
        **bearer(token),
    )
    assert r.status_code == 201, r.content
    gaps = client.get("/api/v1/units/without-leader", **bearer(token)).json()["items"]
    assert [g["name"] for g in gaps] == ["甲网格"]
    responsible = client.get(f"/api/v1/units/{world.grid_b.pk}/responsible", **bearer(token)).json()
    assert [p["name"] for p in responsible] == ["钱多"]
    r = client.post(
        f"/api/v1/roster/assignments/{responsible[0]['assignment_id']}/end",
        json.dumps({}),
        content_type="application/json",
        **bearer(token),
    )
    assert r.status_code == 200


def test_session_auth_needs_csrf_for_writes(world, office_leader):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(office_leader)
    assert client.get("/api/v1/units/").status_code == 200
    payload = {"parent_id": world.village.pk, "code": "CSRF-1", "name": "x", "level": 60}
    r = client.post("/api/v1/units/", json.dumps(payload), content_type="application/json")
    assert r.status_code in (401, 403)
    assert not OrgUnit.objects.filter(code="CSRF-1").exists()


@pytest.mark.parametrize("path", ["/api/v1/audit/events"])
def test_audit_api_needs_permission(client, world, grid_leader_a, path):
    token = token_for(client, "leader_a")
    assert client.get(path, **bearer(token)).status_code == 403


def test_audit_api_masks_phones_for_roles_without_contact_permission(client, world, office_leader):
    from wangge.accounts.models import Role
    from wangge.roster import services as roster_services

    roster_services.create_staff(actor=office_leader, unit=world.grid_a, name="孙丽", phone="13700001234")
    auditor_role = Role.objects.create(code="auditor", name="Auditor", permissions=["audit.view"])
    auditor = make_user("auditor", world.office)
    auditor.roles.add(auditor_role)
    token = token_for(client, "auditor")
    events = client.get("/api/v1/audit/events?model=roster.staffmember", **bearer(token)).json()["items"]
    assert events[0]["after"]["phone"] == "137****1234"
    token = token_for(client, "office_leader")
    events = client.get("/api/v1/audit/events?model=roster.staffmember", **bearer(token)).json()["items"]
    assert events[0]["after"]["phone"] == "13700001234"


def test_deactivating_staff_ends_their_responsibilities(world, office_leader):
    from wangge.core.access import scope_of
    from wangge.roster import services as roster_services

    staff = roster_services.create_staff(actor=office_leader, unit=world.grid_a, name="周强")
    roster_services.assign(
        actor=office_leader,
        staff=staff,
        unit=world.grid_a,
        role="grid_leader",
        start_date=__import__("datetime").date(2026, 1, 1),
    )
    assert world.grid_a not in roster_selectors.grids_without_leader(scope_of(office_leader))
    roster_services.update_staff(actor=office_leader, staff=staff, is_active=False)
    assert world.grid_a in roster_selectors.grids_without_leader(scope_of(office_leader))
