"""Each role's home says what needs doing now, each item a link to the list that resolves it:
the village decides proposals, the office approves what the village decided (not its own), the
grid follows up; a lab is not told it may not view the tree; a grid's home is not five zeros."""

import re

import pytest
from django.urls import reverse

from tests.factories import make_user
from tests.factories.screening import proposed
from wangge.core.access import SYSTEM
from wangge.screening.measures import services as measures

pytestmark = pytest.mark.django_db


def home(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    return response.content.decode()


def waiting(html: str) -> dict[str, int]:
    """The items with something waiting: name → count."""
    today = html.split('data-testid="home-today"', 1)[1].split("</section>", 1)[0]
    return {
        m[1]: int(m[2]) for m in re.finditer(r'data-item="([a-z-]+)">\s*<span class="n">(\d+)</span>', today)
    }


def test_the_village_decides_and_the_office_approves(client, world, screening):
    measure = proposed(screening)
    assert waiting(home(client, screening.cadre)).get("screening-decide") == 1
    assert "screening-approve" not in waiting(home(client, screening.approver))
    measures.decide_measure(actor=screening.cadre, measure=measure)
    office = waiting(home(client, screening.approver))
    assert office.get("screening-approve") == 1
    html = home(client, screening.approver)
    link = re.search(r'href="([^"]+)" data-item="screening-approve"', html)[1]
    assert link == reverse("screening:measures") + "?status=awaiting_approval"
    assert "screening-decide" not in waiting(home(client, screening.cadre))


def test_a_lab_lands_on_its_home_not_on_a_refusal(client, world):
    lab = make_user("lab_home", world.district, "lab")
    html = home(client, lab)
    assert "viewing the tree" not in html and "无权查看组织架构" not in html
    assert 'data-testid="home-today"' in html


def test_a_grid_leader_gets_the_grids_work_not_counts_of_units(client, world, screening):
    from wangge.registry.visits.services import record_visit

    person = screening.people_a[0]
    record_visit(
        actor=SYSTEM,
        outcome="issue_found",
        household=person.household,
        follow_up_needed=True,
        visitor_name="网格员",
    )
    html = home(client, screening.grid_leader)
    assert 'data-testid="home-stats"' not in html
    items = waiting(html)
    assert items.get("registry-follow-ups") == 1
    assert items.get("registry-unvisited") == 3  # four households of grid A, one visited


def test_nothing_waiting_is_said_plainly(client, world):
    clerk = make_user("quiet_worker", world.grid_b, "grid_worker")
    html = home(client, clerk)
    assert waiting(html) == {}
    assert 'data-testid="home-all-done"' in html
