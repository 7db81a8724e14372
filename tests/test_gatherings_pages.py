"""Gatherings over HTTP: the public form (answers at once, a receipt, one report per token, a
flood refused, scripts escaped), the look-up, staff pages in scope, the API masked and idempotent."""

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import client_for, make_user
from tests.factories.gatherings import family_report, kind, make_gatherings
from tests.factories.registry import rid, wrong_check_digit
from wangge.gatherings.approvals import services as approvals
from wangge.gatherings.models import Gathering, Status

pytestmark = pytest.mark.django_db
SCRIPT = "<script>alert(1)</script>"


def form_data(world, diners=80, plan="", action="send", token=None, **kw):
    day = (timezone.localdate() + timedelta(days=10)).isoformat()
    data = {
        "client_token": str(token or uuid.uuid4()), "kind": str(kind("wedding").pk), "host_name": "王家",
        "host_id_type": "resident_id", "host_id_number": rid(902), "host_phone": "13912345678",
        "unit": str(world.village.pk), "place_kind": "household", "address": "冢刘村五组1号", "starts_on": day,
        "caterer_kind": "village_chef", "meal1_on": day, "meal1_label": "午宴", "meal1_diners": str(diners),
        "meal1_tables": "8", "plan": plan, "pledge": "on", "action": action,
    }  # fmt: skip
    data.update(kw)
    return data


def test_the_form_answers_at_once_and_gives_a_receipt(world):
    c = Client()
    url = reverse("gatherings_public:report")
    assert c.get(url).status_code == 200
    html = c.post(url, form_data(world, action="check")).content.decode()
    assert "80" in html and 'data-testid="verdict"' in html and Gathering.objects.count() == 0
    html = c.post(url, form_data(world)).content.decode()  # over 50 and no plan: told what is needed
    assert Gathering.objects.count() == 0 and "errorlist" in html
    token = uuid.uuid4()
    html = c.post(url, form_data(world, plan="桌距1米", token=token)).content.decode()
    gathering = Gathering.objects.get()
    assert gathering.lookup_code in html and 'data-testid="advice-link"' in html
    c.post(url, form_data(world, plan="桌距1米", token=token))  # the phone lost its connection and sent again
    assert Gathering.objects.count() == 1
    advice = c.get(reverse("gatherings_public:advice") + "?kind=wedding").content.decode()
    assert "喜事缓办" in advice


def test_a_past_date_and_a_bad_id_are_told_in_chinese(world):
    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    past = (timezone.localdate() - timedelta(days=2)).isoformat()
    html = c.post(
        reverse("gatherings_public:report"), form_data(world, starts_on=past, meal1_on=past, plan="x")
    ).content.decode()
    assert "过去" in html or "已过" in html
    html = c.post(
        reverse("gatherings_public:report"),
        form_data(world, host_id_number=wrong_check_digit(rid(902)), plan="x"),
    ).content.decode()
    assert Gathering.objects.count() == 0 and "errorlist" in html


def test_a_flood_of_reports_is_refused(world):
    c = Client()
    codes = [
        c.post(reverse("gatherings_public:report"), form_data(world, plan="x")).status_code for _ in range(7)
    ]
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]
    assert Gathering.objects.count() == 5


def test_a_script_in_any_field_is_escaped(world):
    g = make_gatherings(world)
    gathering = family_report(
        world, host_name=SCRIPT, address=SCRIPT, plan=SCRIPT, note=SCRIPT, caterer=SCRIPT
    )
    html = (
        client_for(g.cadre)
        .get(reverse("gatherings:detail", kwargs={"gathering_id": gathering.pk}))
        .content.decode()
    )
    assert SCRIPT not in html and "&lt;script&gt;" in html


def test_the_look_up_needs_the_code_and_the_phone(world):
    gathering = family_report(world)
    c = Client()
    url = reverse("gatherings_public:lookup")
    assert (
        'data-testid="not-found"'
        in c.post(url, {"code": gathering.lookup_code, "phone_tail": "0000"}).content.decode()
    )
    html = c.post(url, {"code": gathering.lookup_code.lower(), "phone_tail": "5678"}).content.decode()
    assert 'data-testid="status-card"' in html and "13912345678" not in html


def test_staff_pages_in_scope_and_the_decision(world):
    g = make_gatherings(world)
    gathering = family_report(world)
    cadre = client_for(g.cadre)
    for name in (
        "gatherings:list",
        "gatherings:week",
        "gatherings:after_due",
        "gatherings:rules",
        "gatherings:new",
    ):
        assert cadre.get(reverse(name)).status_code == 200, name
    detail = reverse("gatherings:detail", kwargs={"gathering_id": gathering.pk})
    assert 'data-testid="forward"' in cadre.get(detail).content.decode()
    assert client_for(g.outsider).get(detail).status_code == 404
    cadre.post(reverse("gatherings:decide", kwargs={"gathering_id": gathering.pk}),
               {"action": "forward", "grid": str(world.grid_a.pk), "note": "请审批"})  # fmt: skip
    gathering.refresh_from_db()
    assert gathering.stage == "office"
    office = client_for(g.office)
    office.post(reverse("gatherings:decide", kwargs={"gathering_id": gathering.pk}),
                {"action": "approve", "conditions": "桌距1米\n不邀请中高风险地区人员", "supervisor": str(g.leader.pk)})  # fmt: skip
    gathering.refresh_from_db()
    assert gathering.status == Status.APPROVED and gathering.supervisor == g.leader
    home = client_for(g.leader).get("/").content.decode()
    assert "gatherings" in home or "聚集" in home or "Gatherings" in home


def test_a_staff_report_through_the_page(world):
    g = make_gatherings(world)
    data = form_data(world, diners=20, unit=str(world.grid_a.pk))
    data.pop("pledge")
    response = client_for(g.leader).post(reverse("gatherings:new"), data)
    assert response.status_code == 302
    assert Gathering.objects.get().reported_by == "staff"


def test_the_api_masks_and_never_duplicates(world):
    g = make_gatherings(world)
    family_report(world)
    api = client_for(g.leader)
    day = (timezone.localdate() + timedelta(days=1)).isoformat()
    body = {
        "client_token": str(uuid.uuid4()), "kind": "funeral", "unit_id": world.grid_a.pk, "host_name": "李家",
        "host_id_number": rid(903), "host_phone": "13812340000", "address": "甲网格3号", "starts_on": day,
        "meals": [{"on": day, "diners": 30, "tables": 3}],
    }  # fmt: skip
    first = api.post("/api/v1/gatherings/", body, content_type="application/json")
    second = api.post("/api/v1/gatherings/", body, content_type="application/json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["host_id_number"] == rid(903)  # a grid leader sees full numbers
    worker = client_for(make_user("g_worker", world.grid_a, "grid_worker"))
    shown = worker.get(f"/api/v1/gatherings/{first.json()['id']}").json()
    assert shown["host_id_number"] != rid(903) and "*" in shown["host_id_number"]
    listed = client_for(g.cadre).get("/api/v1/gatherings/").json()
    assert listed["count"] == 2
    assert client_for(g.outsider).get("/api/v1/gatherings/").json()["count"] == 0
    check = api.post("/api/v1/gatherings/check", {"kind": "banquet", "starts_on": day, "meals": [{"on": day, "diners": 20}]},
                     content_type="application/json").json()  # fmt: skip
    assert check["banned"] is True


def test_the_api_chain(world):
    g = make_gatherings(world)
    gathering = family_report(world)
    r = client_for(g.cadre).post(
        f"/api/v1/gatherings/{gathering.pk}/forward",
        {"grid_id": world.grid_a.pk},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["stage"] == "office"
    r = client_for(g.outsider).post(
        f"/api/v1/gatherings/{gathering.pk}/approve", {}, content_type="application/json"
    )
    assert r.status_code == 404
    r = client_for(g.office).post(f"/api/v1/gatherings/{gathering.pk}/approve", {"conditions": ["桌距1米"], "supervisor_id": g.leader.pk},
                                  content_type="application/json")  # fmt: skip
    assert r.status_code == 200 and r.json()["status"] == "approved"


def test_photo_served_only_in_scope(world, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from wangge.gatherings.day import services as day

    settings.MEDIA_ROOT = tmp_path
    g = make_gatherings(world)
    gathering = family_report(world, kind_code="funeral", days_ahead=0, diners=30, plan="")
    gathering = approvals.approve(actor=g.cadre, gathering=gathering, grid=world.grid_a, supervisor=g.leader)
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    check = day.record_day_check(actor=g.leader, gathering=gathering, actual_diners=40, conditions_kept=False,
                                 problems="超过桌数", photo=SimpleUploadedFile("a.png", png))  # fmt: skip
    url = reverse("gatherings:check_photo", kwargs={"check_id": check.pk})
    assert client_for(g.cadre).get(url).status_code == 200
    assert client_for(g.outsider).get(url).status_code == 404
    assert Client().get(url).status_code == 302


def test_the_family_sends_a_gbk_guest_list_with_the_report(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories.files import gbk_csv
    from wangge.screening.models import RiskArea

    RiskArea.objects.create(province="北京市", city="北京市", county="朝阳区", level="high",
                            valid_from=timezone.localdate() - timedelta(days=3))  # fmt: skip
    data = gbk_csv(["姓名", "身份证号", "手机号码", "来自"],
                   [["京客", rid(904), "13600000001", "北京市朝阳区"], ["本客", rid(905), "", "郑州市"]])  # fmt: skip
    post = form_data(world, plan="桌距1米")
    post["guest_list"] = SimpleUploadedFile("宾客.csv", data, content_type="text/csv")
    html = Client().post(reverse("gatherings_public:report"), post).content.decode()
    gathering = Gathering.objects.get()
    assert gathering.lookup_code in html and 'data-testid="list-error"' not in html
    assert (gathering.guests_total, gathering.guests_flagged) == (2, 1)
    bad = form_data(world, plan="桌距1米")
    bad["guest_list"] = SimpleUploadedFile("x.csv", b"\xff\xfe\x00\xd8\x80\xff", content_type="text/csv")
    html = Client().post(reverse("gatherings_public:report"), bad).content.decode()
    assert 'data-testid="list-error"' in html and Gathering.objects.count() == 2


def test_a_grid_worker_reports_a_banquet_at_a_venue(world):
    from wangge.venues.models import Venue, VenueKind

    g = make_gatherings(world)
    hotel = Venue.objects.create(kind=VenueKind.objects.create(code="hotel_t", name="酒店"), name="港区大酒店",
                                 grid=world.grid_a, path=world.grid_a.path)  # fmt: skip
    data = form_data(world, diners=30, unit=str(world.grid_a.pk), venue=str(hotel.pk), place_kind="venue")
    data.pop("pledge")
    data["kind"] = str(kind("other").pk)
    data["starts_on"] = data["meal1_on"] = (timezone.localdate() + timedelta(days=3)).isoformat()
    assert client_for(g.leader).post(reverse("gatherings:new"), data).status_code == 302
    gathering = Gathering.objects.get()
    assert gathering.venue == hotel and gathering.unit == world.grid_a


def test_the_district_saves_a_new_version_of_a_rule(world):
    g = make_gatherings(world)
    url = reverse("gatherings:rule_new")
    assert client_for(g.office).get(url).status_code == 403
    day = (timezone.localdate() + timedelta(days=2)).isoformat()
    data = {"kind": str(kind("banquet").pk), "valid_from": day, "stance": "banned", "wording": "宴会一律不办",
            "lead_days": "0", "village_band": "50", "office_band": "200"}  # fmt: skip
    assert client_for(g.district).post(url, data).status_code == 302
    assert "宴会一律不办" in client_for(g.district).get(reverse("gatherings:rules")).content.decode()


def test_home_items_for_each_role(world, rf):
    from wangge.core.access import scope_of
    from wangge.gatherings import home_items

    g = make_gatherings(world)
    gathering = family_report(world)

    def count(fn, user):
        request = rf.get("/")
        request.user, request.scope = user, scope_of(user)
        return fn(request)

    assert count(home_items.to_decide, g.cadre) == 1 and count(home_items.to_decide, g.office) == 1
    approvals.forward(actor=g.cadre, gathering=gathering, grid=world.grid_a)
    assert count(home_items.to_decide, g.cadre) == 0 and count(home_items.to_decide, g.office) == 1
    assert count(home_items.to_decide, g.outsider) == 0
    funeral = family_report(world, kind_code="funeral", days_ahead=0, diners=20, plan="")
    approvals.approve(actor=g.cadre, gathering=funeral, grid=world.grid_a, supervisor=g.leader)
    assert count(home_items.to_supervise_today, g.leader) == 1
    Gathering.objects.filter(pk=funeral.pk).update(
        starts_on=timezone.localdate() - timedelta(days=3), ends_on=timezone.localdate() - timedelta(days=3)
    )
    assert count(home_items.after_overdue, g.leader) == 1
