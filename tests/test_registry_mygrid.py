"""A grid worker's phone: their households, what is unvisited, a person's code; audit masks IDs."""

from datetime import timedelta

from django.utils import timezone

from tests.factories import make_user
from tests.factories.reveal import revealed
from wangge.core.access import SYSTEM
from wangge.registry import services as registry
from wangge.registry.models import Visit


def _household(world, grid, building_name, number, name, id_number, phone):
    building = registry.create_building(actor=SYSTEM, grid=grid, name=building_name)
    room = registry.get_or_create_room(actor=SYSTEM, building=building, number=number)
    household = registry.create_household(actor=SYSTEM, room=room)
    person = registry.register_person(
        actor=SYSTEM,
        household=household,
        name=name,
        id_type="resident_id",
        id_number=id_number,
        relation="head",
        phone=phone,
    )
    return household, person


def test_grid_worker_sees_their_households_and_what_is_unvisited(client, world):
    visited, _p1 = _household(
        world, world.grid_a, "1号楼", "101", "王一", "11010519491231002X", "13800000001"
    )
    never, p2 = _household(world, world.grid_a, "2号楼", "201", "李二", "110105194912310038", "13800000002")
    _household(world, world.grid_b, "9号楼", "901", "外格张三", "110105195001010012", "13800000003")
    Visit.objects.create(
        household=visited,
        visitor_name="x",
        outcome="met",
        path=visited.path,
        visited_at=timezone.now() - timedelta(days=3),
    )
    worker = make_user("worker_a", world.grid_a, "grid_worker")
    client.force_login(worker)
    page = client.get("/registry/my-grid/").content.decode()
    assert "王一" in page and "李二" in page and "外格张三" not in page
    # Grid workers call their households: the number is one tap away (each reveal audited).
    assert "13800000002" not in page and "13800000002" in revealed(client, page)
    unvisited = client.get("/registry/my-grid/?unvisited=1").content.decode()
    assert "李二" in unvisited and "王一" not in unvisited
    code = client.get(f"/registry/codes/people/{p2.pk}/")
    assert code.status_code == 200 and "<svg" in code.content.decode()


def test_audit_log_masks_id_numbers_for_roles_without_them(client, world):
    _household(world, world.grid_a, "1号楼", "101", "王一", "11010519491231002X", "13800000001")
    from wangge.accounts.models import Role

    auditor = make_user("auditor", world.office)
    auditor.roles.add(Role.objects.create(code="auditor", name="Auditor", permissions=["audit.view"]))
    client.force_login(auditor)
    page = client.get("/audit/?model=registry.person").content.decode()
    assert "11010519491231002X" not in page and "13800000001" not in page
    api = client.get("/api/v1/audit/events?model=registry.person").json()["items"]
    assert api[0]["after"]["id_number"] == "110105********002X"
    leader = make_user("office_b", world.office, "office_leader")
    client.force_login(leader)
    api = client.get("/api/v1/audit/events?model=registry.person").json()["items"]
    assert api[0]["after"]["id_number"] == "11010519491231002X"
