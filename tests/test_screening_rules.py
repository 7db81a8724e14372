"""The rules as data: categories, risk areas (by hand and from a file), measure rules with
versions and phases; their pages and API; "by occupation or employer" screening."""

import csv
import io
import json
from datetime import timedelta

import pytest
import xlsxwriter
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_user
from wangge.audit.models import AuditEvent
from wangge.screening import rulebook as rules
from wangge.screening.models import (
    Category,
    MeasurePolicy,
    RiskArea,
    ScreeningRecord,
)
from wangge.screening.rules import selectors as rules_selectors
from wangge.screening.rules import services as rules_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def district(world):
    return make_user("rules_district", world.district, "district_admin")


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def csv_file(
    rows, encoding="utf-8", header=("省", "市", "县(区)", "乡镇(街道)", "风险等级", "起始日期", "截止日期")
):
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(header)
    w.writerows(rows)
    return io.BytesIO(out.getvalue().encode(encoding))


# --- services -----------------------------------------------------------------------------


def test_only_the_district_edits_rules(screening, office_leader, district):
    # The office leader has SCREENING_RULES but is not at district level.
    with pytest.raises(PermissionDenied):
        rules_admin.create_category(actor=office_leader, code="x_cat", name="某类")
    with pytest.raises(PermissionDenied):
        rules_admin.create_risk_area(
            actor=office_leader, province="河南省", level="high", valid_from=timezone.localdate()
        )
    with pytest.raises(PermissionDenied):
        rules_admin.end_risk_area(
            actor=screening.grid_leader, risk_area=screening.high_area, valid_to=timezone.localdate()
        )
    assert not Category.objects.filter(code="x_cat").exists()
    cat = rules_admin.create_category(
        actor=district, code="x_cat", name="某类", test_interval_days=2, entry="manual"
    )
    event = AuditEvent.objects.get(object_id=str(cat.pk), action="create", model__icontains="category")
    assert event.path == district.jurisdiction.path


def test_category_codes_are_unique_and_occupation_needs_keywords(district):
    with pytest.raises(ValidationError) as exc:
        rules_admin.create_category(actor=district, code="close_contact", name="重复")
    assert "code" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        rules_admin.create_category(actor=district, code="new_occ", name="新职业", entry="occupation")
    assert "keywords" in exc.value.message_dict
    cat = Category.objects.get(code="courier")
    rules_admin.update_category(
        actor=district, category=cat, test_interval_days=1, keywords="快递, 外卖，闪送"
    )
    cat.refresh_from_db()
    assert cat.test_interval_days == 1
    assert cat.keyword_list() == ["快递", "外卖", "闪送"]


def test_the_list_as_it_stood_on_a_date(screening, district):
    today = timezone.localdate()
    area = rules_admin.create_risk_area(
        actor=district, province="广东省", city="深圳市", level="medium", valid_from=today - timedelta(days=5)
    )
    rules_admin.end_risk_area(actor=district, risk_area=area, valid_to=today - timedelta(days=2))
    assert area in rules.risk_areas_on(today - timedelta(days=3))
    assert area not in rules.risk_areas_on(today)
    assert area not in rules.risk_areas_on(today - timedelta(days=6))
    with pytest.raises(ValidationError):
        rules_admin.end_risk_area(actor=district, risk_area=area, valid_to=today - timedelta(days=9))


def test_import_preview_lists_bad_rows_then_keeps_the_valid_ones(screening, district):
    today = timezone.localdate().isoformat()
    raw = csv_file(
        [
            ["河南省", "郑州市", "金水区", "", "高风险", today, ""],
            ["河南省", "郑州市", "二七区", "", "低", today, ""],  # unknown level
            ["", "郑州市", "中原区", "", "中", today, ""],  # no province
            ["河南省", "开封市", "", "", "medium", "2022/5/1", "2022-04-01"],  # ends before it starts
            ["河北省", "石家庄市", "", "", "中", "2022年5月1日", ""],
        ]
    )
    preview = rules_admin.preview_risk_area_file(actor=district, raw=raw, name="areas.csv")
    assert preview.total == 5
    assert [e["row"] for e in preview.errors] == [3, 4, 5]
    assert "低" in preview.errors[0]["error"]
    assert RiskArea.objects.filter(province="河南省").count() == 0  # nothing written yet
    with pytest.raises(ValidationError):
        rules_admin.import_risk_areas(actor=district, preview=preview, all_or_nothing=True)
    assert RiskArea.objects.filter(province__in=["河南省", "河北省"]).count() == 0
    stored = rules_selectors.stored_preview(actor=district, sha256=preview.sha256)
    result = rules_admin.import_risk_areas(actor=district, preview=stored)
    assert (result.created, result.skipped) == (2, 3)
    jinshui = RiskArea.objects.get(county="金水区")
    assert jinshui.level == "high"
    assert str(RiskArea.objects.get(province="河北省").valid_from) == "2022-05-01"


def test_reimporting_the_same_file_creates_no_duplicates(screening, district):
    rows = [["湖北省", "武汉市", "洪山区", "", "高", "2022-05-01", ""]]
    first = rules_admin.preview_risk_area_file(actor=district, raw=csv_file(rows), name="a.csv")
    rules_admin.import_risk_areas(actor=district, preview=first)
    again = rules_admin.preview_risk_area_file(actor=district, raw=csv_file(rows), name="a.csv")
    assert again.already_listed == 1
    result = rules_admin.import_risk_areas(actor=district, preview=again)
    assert (result.created, result.unchanged) == (0, 1)
    assert RiskArea.objects.filter(county="洪山区").count() == 1
    # The same listing with an end date now: updated in place, still one row.
    ended = [["湖北省", "武汉市", "洪山区", "", "高", "2022-05-01", "2022-05-20"]]
    third = rules_admin.preview_risk_area_file(actor=district, raw=csv_file(ended), name="b.csv")
    assert rules_admin.import_risk_areas(actor=district, preview=third).updated == 1
    assert RiskArea.objects.get(county="洪山区").valid_to.isoformat() == "2022-05-20"


def test_a_gbk_csv_with_header_synonyms_is_read(screening, district):
    raw = csv_file(
        [["四川省", "成都市", "武侯区", "", "中风险", "2022-06-01", ""]],
        encoding="gbk",
        header=("省份", "城市", "区县", "街道", "等级", "开始日期", "结束日期"),
    )
    preview = rules_admin.preview_risk_area_file(actor=district, raw=raw, name="gbk.csv")
    assert preview.errors == []
    assert preview.rows[0]["county"] == "武侯区"
    assert preview.rows[0]["level"] == "medium"


def test_an_xlsx_file_is_read_with_date_cells(screening, district):
    from datetime import datetime

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["省", "市", "县(区)", "乡镇(街道)", "风险等级", "起始日期", "截止日期"])
    sheet.write_row(1, 0, ["天津市", "天津市", "河西区", "", "高"])
    sheet.write_datetime(1, 5, datetime(2022, 5, 3), fmt)
    sheet.write_row(2, 0, ["天津市", "天津市", "南开区", "", "极高"])
    sheet.write_datetime(2, 5, datetime(2022, 5, 3), fmt)
    book.close()
    preview = rules_admin.preview_risk_area_file(
        actor=district, raw=io.BytesIO(out.getvalue()), name="a.xlsx"
    )
    assert [r["county"] for r in preview.rows] == ["河西区"]
    assert preview.rows[0]["valid_from"] == "2022-05-03"
    assert [e["row"] for e in preview.errors] == [3]
    # The downloadable template is itself importable.
    template = rules_admin.preview_risk_area_file(
        actor=district, raw=io.BytesIO(rules_admin.template_xlsx()), name="t.xlsx"
    )
    assert len(template.rows) == 2 and template.errors == []


def _phases_7_3():
    return [
        rules_admin.PhaseInput(kind="centralised", days=7, test_days="1,2,3,5,7", checks_per_day=2),
        rules_admin.PhaseInput(kind="home_monitoring", days=3, test_days="3", checks_per_day=2),
    ]


def test_a_new_version_ends_the_old_one_the_day_before(screening, district):
    today = timezone.localdate()
    old = rules_admin.create_policy(
        actor=district,
        name="北京返郑",
        trigger="travel",
        risk_level="high",
        within_days=7,
        priority=50,
        valid_from=today - timedelta(days=30),
        phases=_phases_7_3(),
    )
    new = rules_admin.create_policy(
        actor=district,
        name="北京返郑",
        trigger="travel",
        risk_level="high",
        within_days=7,
        priority=50,
        valid_from=today + timedelta(days=1),
        phases=[rules_admin.PhaseInput(kind="home_quarantine", days=5, test_days=[1, 3, 5])],
        basis_reference="第十版",
    )
    old.refresh_from_db()
    assert old.valid_to == today
    assert old in rules.policies_on(today) and new not in rules.policies_on(today)
    assert new in rules.policies_on(today + timedelta(days=1)) and old not in rules.policies_on(
        today + timedelta(days=1)
    )
    assert rules_selectors.describe_policy(old) == (
        "7 days Centralised quarantine (集中隔离), tests on days 1,2,3,5,7 + "
        "3 days Home health monitoring (居家健康监测), test on day 3"
    )
    # An explicit "replaces" ends a rule of another name; a version may not start before the old one.
    other = rules_admin.create_policy(
        actor=district,
        name="另一名称",
        trigger="travel",
        risk_level="high",
        within_days=7,
        valid_from=today + timedelta(days=10),
        replaces=new,
        phases=_phases_7_3(),
    )
    new.refresh_from_db()
    assert new.valid_to == other.valid_from - timedelta(days=1)
    with pytest.raises(ValidationError):
        rules_admin.create_policy(
            actor=district, name="另一名称", trigger="travel", risk_level="high", within_days=7,
            valid_from=today, phases=_phases_7_3(),
        )  # fmt: skip


def test_test_days_must_lie_within_the_phase(screening, district):
    n = MeasurePolicy.objects.count()
    with pytest.raises(ValidationError) as exc:
        rules_admin.create_policy(
            actor=district,
            name="坏规则",
            trigger="category",
            category=Category.objects.get(code="close_contact"),
            valid_from=timezone.localdate(),
            phases=[rules_admin.PhaseInput(kind="centralised", days=7, test_days="1,2,9")],
        )
    assert "9" in str(exc.value)
    with pytest.raises(ValidationError):
        rules_admin.create_policy(
            actor=district, name="坏规则", trigger="travel", risk_level="high", within_days=None,
            valid_from=timezone.localdate(), phases=_phases_7_3(),
        )  # fmt: skip
    assert MeasurePolicy.objects.count() == n


def test_end_a_rule(screening, district, office_leader):
    policy = MeasurePolicy.objects.filter(valid_to__isnull=True).first()
    with pytest.raises(PermissionDenied):
        rules_admin.end_policy(actor=office_leader, policy=policy, valid_to=timezone.localdate())
    rules_admin.end_policy(actor=district, policy=policy, valid_to=timezone.localdate())
    assert policy not in rules.policies_on(timezone.localdate() + timedelta(days=1))


# --- by occupation or employer --------------------------------------------------------------


def test_candidates_by_employer_are_screened_into_the_category(screening, world):
    courier = Category.objects.get(code="courier")
    a0, a1 = screening.people_a[0], screening.people_a[1]
    b0 = screening.people_b[0]
    for p, employer in ((a0, "顺丰速运郑州分公司"), (a1, "郑州某医院"), (b0, "中通快递")):
        p.employer = employer
        p.save(update_fields=["employer"])
    leader = make_user("dept_a", world.grid_a, "department_staff")  # screens, may not see full IDs
    found = list(rules_selectors.occupation_candidates(rules_admin.scope_of(leader), courier))
    assert found == [a0]  # grid B's courier is outside the leader's scope; a1 is not a courier
    c = client_for(leader)
    url = reverse("screening:category_candidates")
    page = c.get(url, {"category": courier.pk})
    assert page.status_code == 200
    body = page.content.decode()
    assert a0.name in body and b0.name not in body
    assert a0.id_number not in body and a0.id_number[-4:] in body  # masked
    response = c.post(url, {"category": courier.pk, "people": [a0.pk, b0.pk]})
    assert response.status_code == 302
    assert ScreeningRecord.objects.filter(person=a0, category=courier).count() == 1
    assert not ScreeningRecord.objects.filter(person=b0).exists()
    assert list(rules_selectors.occupation_candidates(rules_admin.scope_of(leader), courier)) == []


# --- pages ----------------------------------------------------------------------------------


def test_lists_are_shown_to_every_viewer_and_edits_to_the_district_only(screening, district):
    leader = client_for(screening.grid_leader)
    for name in ("screening:categories", "screening:risk_areas", "screening:rules"):
        assert leader.get(reverse(name)).status_code == 200
    page = leader.get(reverse("screening:categories")).content.decode()
    assert "快递外卖人员" in page and "Every 2 days" in page
    office = client_for(screening.approver)  # office leader: has SCREENING_RULES, not district level
    area = screening.high_area
    for url in (
        reverse("screening:risk_area_edit", kwargs={"risk_area_id": area.pk}),
        reverse("screening:risk_area_end", kwargs={"risk_area_id": area.pk}),
        reverse("screening:risk_area_edit", kwargs={"risk_area_id": 987654}),
        reverse("screening:category_edit", kwargs={"category_id": 1}),
        reverse("screening:rule_end", kwargs={"policy_id": 1}),
        reverse("screening:rule_create"),
        reverse("screening:risk_area_import"),
    ):
        assert office.get(url).status_code == 403, url
        assert office.post(url, {"valid_to": "2000-01-01"}).status_code == 403, url
    area.refresh_from_db()
    assert area.valid_to is None
    d = client_for(district)
    assert d.get(reverse("screening:risk_area_edit", kwargs={"risk_area_id": 987654})).status_code == 404
    response = d.post(
        reverse("screening:risk_area_end", kwargs={"risk_area_id": area.pk}),
        {"valid_to": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    area.refresh_from_db()
    assert area.valid_to == timezone.localdate()


def test_risk_area_list_as_of_a_date(screening, district):
    today = timezone.localdate()
    old = RiskArea.objects.create(
        province="吉林省", city="长春市", level="high", valid_from=today - timedelta(days=40),
        valid_to=today - timedelta(days=20),
    )  # fmt: skip
    c = client_for(screening.grid_leader)
    now = c.get(reverse("screening:risk_areas")).content.decode()
    assert "长春市" not in now and "朝阳区" in now
    then = c.get(
        reverse("screening:risk_areas"), {"on": (today - timedelta(days=30)).isoformat()}
    ).content.decode()
    assert "长春市" in then and "朝阳区" not in then
    medium = c.get(reverse("screening:risk_areas"), {"level": "medium"}).content.decode()
    assert "浦东新区" in medium and "朝阳区" not in medium
    province = c.get(reverse("screening:risk_areas"), {"province": "北京"}).content.decode()
    assert "朝阳区" in province and "浦东新区" not in province
    assert old.pk


def test_import_page_preview_then_confirm(screening, district):
    c = client_for(district)
    url = reverse("screening:risk_area_import")
    data = csv_file(
        [
            ["山东省", "青岛市", "市南区", "", "高", "2022-05-01", ""],
            ["山东省", "青岛市", "", "", "?", "x", ""],
        ]
    ).getvalue()
    response = c.post(url, {"file": SimpleUploadedFile("areas.csv", data, content_type="text/csv")})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Unknown risk level" in body
    assert not RiskArea.objects.filter(province="山东省").exists()
    sha = response.context["preview"].sha256
    refused = c.post(url, {"sha256": sha, "mode": "all_or_nothing"})
    assert refused.status_code == 200 and not RiskArea.objects.filter(province="山东省").exists()
    done = c.post(url, {"sha256": sha, "mode": "valid_rows"})
    assert done.status_code == 302
    assert RiskArea.objects.filter(province="山东省").count() == 1
    template = c.get(reverse("screening:risk_area_template"))
    assert template.status_code == 200 and template.content.startswith(b"PK")


def test_rule_pages_new_version_and_in_force_on_a_date(screening, district):
    c = client_for(district)
    today = timezone.localdate()
    response = c.post(
        reverse("screening:rule_create"),
        {
            "name": "冷链规则",
            "trigger": "category",
            "category": Category.objects.get(code="cold_chain").pk,
            "priority": 5,
            "valid_from": today.isoformat(),
            "phase1_kind": "home_monitoring",
            "phase1_days": 3,
            "phase1_test_days": "1,3",
            "phase1_checks": 2,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    bad = c.post(
        reverse("screening:rule_create"),
        {
            "name": "冷链规则2", "trigger": "category", "category": Category.objects.get(code="cold_chain").pk,
            "priority": 0, "valid_from": today.isoformat(), "phase1_kind": "centralised", "phase1_days": 3,
            "phase1_test_days": "1,5",
        },
    )  # fmt: skip
    assert bad.status_code == 200 and "outside its 3 days" in bad.content.decode()
    page = c.get(reverse("screening:rules")).content.decode()
    assert "冷链规则" in page and "3 days Home health monitoring (居家健康监测), tests on days 1,3" in page
    yesterday = c.get(reverse("screening:rules"), {"on": (today - timedelta(days=1)).isoformat()})
    policy = MeasurePolicy.objects.get(name="冷链规则")
    assert not next(p for p in yesterday.context["policies"] if p.pk == policy.pk).in_force


# --- API ------------------------------------------------------------------------------------


def test_api_lists_and_district_only_changes(screening, district):
    today = timezone.localdate()
    leader = client_for(screening.grid_leader)
    cats = leader.get("/api/v1/screening/categories").json()
    assert any(c["code"] == "courier" and "快递" in c["keywords"] for c in cats)
    areas = leader.get("/api/v1/screening/risk-areas", {"level": "high"}).json()
    assert [a["county"] for a in areas] == ["朝阳区"]
    past = leader.get("/api/v1/screening/risk-areas", {"on": (today - timedelta(days=30)).isoformat()}).json()
    assert past == []
    listed = leader.get("/api/v1/screening/rules").json()
    assert listed and all("phases" in r for r in listed)

    office = client_for(screening.approver)
    area_url = f"/api/v1/screening/risk-areas/{screening.high_area.pk}"
    body = json.dumps({"valid_to": today.isoformat()})
    assert office.patch(area_url, body, content_type="application/json").status_code == 403
    assert (
        office.patch("/api/v1/screening/risk-areas/987654", body, content_type="application/json").status_code
        == 403
    )
    new_area = {"province": "辽宁省", "city": "大连市", "level": "high", "valid_from": today.isoformat()}
    assert (
        office.post(
            "/api/v1/screening/risk-areas", json.dumps(new_area), content_type="application/json"
        ).status_code
        == 403
    )

    d = client_for(district)
    created = d.post("/api/v1/screening/risk-areas", json.dumps(new_area), content_type="application/json")
    assert created.status_code == 201
    area_id = created.json()["id"]
    patched = d.patch(f"/api/v1/screening/risk-areas/{area_id}", body, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["valid_to"] == today.isoformat()
    assert (
        d.patch("/api/v1/screening/risk-areas/987654", body, content_type="application/json").status_code
        == 404
    )
    rule = {
        "name": "API规则",
        "trigger": "travel",
        "risk_level": "medium",
        "within_days": 7,
        "valid_from": today.isoformat(),
        "phases": [{"kind": "home_monitoring", "days": 7, "test_days": [1, 4, 7]}],
    }
    assert (
        office.post("/api/v1/screening/rules", json.dumps(rule), content_type="application/json").status_code
        == 403
    )
    made = d.post("/api/v1/screening/rules", json.dumps(rule), content_type="application/json")
    assert made.status_code == 201 and made.json()["in_force"]
    rule["phases"][0]["test_days"] = [8]
    assert (
        d.post("/api/v1/screening/rules", json.dumps(rule), content_type="application/json").status_code
        == 422
    )


def test_the_checkpoints_lean_read_of_the_list_agrees_with_the_rulebook(screening, district):
    """risk_level_on (one prepared statement, used for every checkpoint entry) gives the level of
    match_risk_area, the highest listed area covering the place on the date, for every case."""
    today = timezone.localdate()
    RiskArea.objects.create(
        province="广东省", city="深圳市", level="medium", valid_from=today - timedelta(days=5)
    )
    RiskArea.objects.create(
        province="广东省", city="深圳市", county="南山区", level="high", valid_from=today - timedelta(days=5)
    )
    RiskArea.objects.create(
        province="广东省", city="广州市", level="high", valid_from=today - timedelta(days=9),
        valid_to=today - timedelta(days=3),
    )  # fmt: skip
    places = [
        ("广东省", "深圳市", "南山区", ""),
        ("广东省", "深圳市", "福田区", ""),
        ("广东省", "广州市", "", ""),
        ("广东", "深圳", "", ""),
        ("河南省", "郑州市", "", ""),
        ("北京市", "北京市", "朝阳区", ""),
        ("", "", "", ""),
        ("广%", "", "", ""),
    ]
    seen = set()
    for province, city, county, township in places:
        for on in (today, today - timedelta(days=4)):
            area = rules.match_risk_area(
                province=province, city=city, county=county, township=township, on=on
            )
            lean = rules.risk_level_on(province=province, city=city, county=county, township=township, on=on)
            assert lean == (area.level if area else ""), (province, city, county, on)
            seen.add(lean)
    assert seen == {"", "medium", "high"}
