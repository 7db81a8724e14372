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


def test_a_migration_adding_permissions_keeps_a_districts_edits(db):
    """A data migration that brings new permissions only adds them to the standard roles whose
    defaults hold them: what a district took away stays away, and nothing else changes."""
    from wangge.accounts.roles import grant_new_permissions
    from wangge.audit.permissions import AUDIT_VIEW
    from wangge.org.permissions import ORG_VIEW
    from wangge.registry.permissions import REGISTRY_EXPORT, REGISTRY_VIEW_IDS
    from wangge.testing.permissions import TESTING_EXPORT, TESTING_RESULTS

    # As a district would: the grid leader may no longer see ID numbers. REGISTRY_EXPORT plays a
    # permission a new release brings (not in the role yet); it is in the office leader's defaults
    # but not in the grid worker's.
    leader = Role.objects.get(code="grid_leader")
    leader.permissions = [x for x in leader.permissions if x not in {REGISTRY_VIEW_IDS, TESTING_EXPORT}]
    leader.save()
    office = Role.objects.get(code="office_leader")
    office.permissions = [x for x in office.permissions if x not in {REGISTRY_EXPORT, AUDIT_VIEW}]
    office.save()
    worker = Role.objects.get(code="grid_worker")
    worker_before = list(worker.permissions)
    own = Role.objects.create(code="checkpoint", name="卡点值守", permissions=[ORG_VIEW])
    Role.objects.filter(code="lab").delete()
    leader_before, office_before = list(leader.permissions), list(office.permissions)

    changed = grant_new_permissions(Role, [TESTING_EXPORT, REGISTRY_EXPORT, TESTING_RESULTS])

    leader.refresh_from_db()
    office.refresh_from_db()
    worker.refresh_from_db()
    own.refresh_from_db()
    assert TESTING_EXPORT in leader.permissions  # new, and in the grid leader's defaults
    assert REGISTRY_VIEW_IDS not in leader.permissions  # taken away by the district: stays away
    assert leader.permissions == leader_before + [TESTING_EXPORT]
    assert office.permissions == office_before + [REGISTRY_EXPORT]  # it had testing.export
    assert AUDIT_VIEW not in office.permissions
    assert worker.permissions == worker_before  # none of the codes is in its defaults
    assert own.permissions == [ORG_VIEW]
    assert not Role.objects.filter(code="lab").exists()  # a deleted role is not recreated
    assert "grid_leader" in changed and "office_leader" in changed and "grid_worker" not in changed
    # Run again: nothing more to add.
    assert grant_new_permissions(Role, [TESTING_EXPORT, REGISTRY_EXPORT]) == []


def test_the_standard_roles_after_migrating_are_the_defaults(db):
    from wangge.core.permissions import standard_roles

    for code, name, permissions in standard_roles():
        role = Role.objects.get(code=code)
        assert role.name == name
        assert role.permissions == sorted(permissions)
