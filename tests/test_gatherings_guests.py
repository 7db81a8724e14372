"""A guest list: xlsx, GBK CSV or old xls with mangled ID cells; matched by ID then name + phone;
checked against the risk areas valid on the day and open measures; flagged guests become
screening records; the family sees only that the list needs attention."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.factories import in_force
from tests.factories.files import UNDECODABLE, Sheet, gbk_csv, named, xls, xlsx
from tests.factories.gatherings import family_report, make_gatherings
from tests.factories.registry import rid, wrong_check_digit
from wangge.gatherings.approvals import services as approvals
from wangge.gatherings.guests import services
from wangge.gatherings.models import Guest
from wangge.screening.models import ScreeningRecord

pytestmark = pytest.mark.django_db
HEADER = ["姓名", "身份证号", "手机号码", "来自"]


@pytest.fixture
def setup(world, screening):
    g = make_gatherings(world)
    gathering = family_report(world, kind_code="funeral", days_ahead=0, diners=30, plan="")
    gathering = approvals.approve(actor=g.cadre, gathering=gathering, grid=world.grid_a)
    return g, gathering


def rows(screening):
    a0, a1 = screening.people_a[0], screening.people_a[1]
    return [
        [a0.name, a0.id_number, a0.phone, "郑州市"],
        [a1.name, "", a1.phone, "北京市朝阳区望京街道"],
        ["外地客", rid(321), "13698765432", "上海市浦东新区"],
        ["错号", wrong_check_digit(rid(322)), "", ""],
        ["本地客", rid(323), "", "郑州市"],
    ]


def test_an_xlsx_list_is_matched_and_checked(setup, screening, world):
    g, gathering = setup
    in_force(screening, n=0)
    summary = services.import_guest_list(
        actor=g.leader,
        gathering=gathering,
        raw=named(xlsx(Sheet("宾客", HEADER, rows(screening))), "宾客.xlsx"),
        name="宾客.xlsx",
    )
    assert (summary.total, summary.matched, summary.errors) == (5, 2, 1)
    assert (summary.from_risk_area, summary.under_measure) == (2, 1)
    by_row = {x.name: x for x in Guest.objects.filter(gathering=gathering)}
    assert by_row[screening.people_a[1].name].match == "name_phone"
    assert by_row["错号"].match == "error" and by_row["错号"].error
    gathering.refresh_from_db()
    assert gathering.guests_flagged == 3

    result = services.screen_flagged(actor=screening.grid_leader, gathering=gathering)
    assert result.screened == 3, result.skipped
    assert ScreeningRecord.objects.filter(person__name="外地客").exists()
    again = services.screen_flagged(actor=screening.grid_leader, gathering=gathering)
    assert again.screened == 0


def test_a_gbk_csv_list(setup, screening):
    g, gathering = setup
    data = gbk_csv(HEADER, rows(screening), title="宾客名单")
    summary = services.import_guest_list(
        actor=g.leader, gathering=gathering, raw=named(data, "宾客.csv"), name="宾客.csv"
    )
    assert summary.total == 5 and summary.matched == 2


def test_an_old_xls_with_mangled_id_cells_is_flagged_never_fixed(setup, screening):
    g, gathering = setup
    mangled = float(rid(324))  # typed into a General column: 4.10101198503123E+17
    data = xls(HEADER, [["数字号", mangled, "", ""], *rows(screening)[:1]])
    summary = services.import_guest_list(
        actor=g.leader, gathering=gathering, raw=named(data, "宾客.xls"), name="宾客.xls"
    )
    assert summary.errors == 1
    guest = Guest.objects.get(gathering=gathering, name="数字号")
    assert guest.match == "error" and "电子表格" in guest.error or "spreadsheet" in guest.error
    assert guest.person_id is None


def test_an_unreadable_file_changes_nothing(setup, screening):
    g, gathering = setup
    services.import_guest_list(
        actor=g.leader,
        gathering=gathering,
        raw=named(xlsx(Sheet("宾客", HEADER, rows(screening))), "a.xlsx"),
        name="a.xlsx",
    )
    with pytest.raises(ValidationError):
        services.import_guest_list(
            actor=g.leader, gathering=gathering, raw=named(UNDECODABLE, "b.csv"), name="b.csv"
        )
    assert Guest.objects.filter(gathering=gathering).count() == 5


def test_the_family_sees_only_that_the_list_needs_attention(setup, screening, world):
    g, gathering = setup
    services.import_guest_list(
        actor=g.leader,
        gathering=gathering,
        raw=named(xlsx(Sheet("宾客", HEADER, rows(screening))), "a.xlsx"),
        name="a.xlsx",
    )
    response = Client().post(
        reverse("gatherings_public:lookup"), {"code": gathering.lookup_code, "phone_tail": "5678"}
    )
    html = response.content.decode()
    assert 'data-testid="guest-attention"' in html
    assert "外地客" not in html and screening.people_a[1].name not in html
