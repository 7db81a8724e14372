import pytest
from django.core.exceptions import PermissionDenied

from tests.factories import make_user
from wangge.accounts import services
from wangge.accounts.models import Role
from wangge.audit.models import AuditEvent


def test_office_leader_cannot_grant_district_admin(world, office_leader):
    with pytest.raises(PermissionDenied):
        services.create_account(
            actor=office_leader,
            username="x1",
            password="Very-long-pass-123",
            jurisdiction=world.grid_a,
            roles=[Role.objects.get(code="district_admin")],
        )


def test_weaker_manager_cannot_take_over_stronger_account(world):
    manager_role = Role.objects.create(code="mgr", name="mgr", permissions=["accounts.manage", "org.view"])
    manager = make_user("mgr", world.office)
    manager.roles.add(manager_role)
    strong = make_user("strong", world.grid_a, "office_leader")
    with pytest.raises(PermissionDenied):
        services.update_account(actor=manager, user=strong, password="Another-long-pass-9")
    strong.refresh_from_db()
    assert strong.check_password("pass-word-123")


def test_district_admin_defines_roles_with_audit(client, world, admin_user):
    client.force_login(admin_user)
    r = client.post(
        "/accounts/roles/new/", {"code": "checkpoint", "name": "卡点值守", "permissions": ["org.view"]}
    )
    assert r.status_code == 302
    role = Role.objects.get(code="checkpoint")
    assert role.permissions == ["org.view"]
    assert AuditEvent.objects.filter(model="accounts.role", object_id=str(role.pk), action="create").exists()
    assert "卡点值守" in client.get("/accounts/roles/").content.decode()


def test_office_leader_sees_roles_but_cannot_define_them(client, world, office_leader):
    client.force_login(office_leader)
    assert client.get("/accounts/roles/").status_code == 200
    assert client.post("/accounts/roles/new/", {"code": "x", "name": "x"}).status_code == 403
    role = Role.objects.get(code="grid_worker")
    assert client.post(f"/accounts/roles/{role.pk}/edit/", {"code": "x", "name": "x"}).status_code == 403


def test_roles_admin_below_district_level_is_refused(world):
    lower_admin = make_user("lower", world.office, "district_admin")
    with pytest.raises(PermissionDenied):
        services.save_role(actor=lower_admin, code="y", name="y", permissions=[])
