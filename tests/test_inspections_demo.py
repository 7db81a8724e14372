"""The demo's own campaign of 29 March in 清河办事处: the page's sentence, orders given, one
re-inspected and closed; venues the venues builder made are used, missing ones made once."""

import pytest

from tests.factories.inspections import make_venue
from tests.factories.org import make_unit
from wangge.demo.inspections_builder import build_inspections_demo
from wangge.inspections.models import Campaign, Order
from wangge.org.models import Level
from wangge.venues.models import Venue

pytestmark = pytest.mark.django_db

SENTENCE = (
    "此次活动共督查酒店2家、饭店3家、超市2家、中学1所、小学1所。从检查结果来看，整体情况较好，"
    "但也存在个别场所消杀记录不详等问题，对此，督查人员均责令其立即整改。"
)


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    settings.WANGGE_PRIVATE_ROOT = tmp_path / "private"


def test_qinghe_campaign(world):
    qh = make_unit(world.district, Level.OFFICE, "清河办事处", "GK-QH")
    village = make_unit(qh, Level.VILLAGE, "清河村", "GK-QH-V1")
    grid = make_unit(village, Level.GRID, "清河一网格", "GK-QH-V1-G1")
    existing = make_venue(grid, "hotel", "venues助手的酒店")  # made by the venues part's builder
    demo = build_inspections_demo(seed=7)
    assert demo.sentence == SENTENCE
    campaign = Campaign.objects.get(unit=qh)
    assert campaign.inspections.filter(venue=existing).exists()
    # The team: drawn from five departments of the roster, one leader among them.
    assert campaign.members.count() == 5 and campaign.departments.count() == 5
    assert campaign.members.get(is_leader=True).staff == campaign.leader
    assert Venue.objects.filter(path__startswith=qh.path).count() == 9
    orders = Order.objects.filter(venue__path__startswith=qh.path)
    assert orders.count() == 2 and orders.filter(status="closed").count() == 1
    build_inspections_demo(seed=7)  # again: nothing doubled
    assert Campaign.objects.filter(unit=qh).count() == 1 and Venue.objects.count() == 9
