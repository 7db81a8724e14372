"""Kinds of gathering as data: the district lists, adds, renames and retires them (a kind a rule or a
report refers to is retired, never deleted; one nothing refers to is deleted), pages and API;
only the district edits them; a retired kind is no longer offered on the forms; rules refer to kinds."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories.accounts import client_for
from tests.factories.gatherings import family_report, kind, make_gatherings
from wangge.audit.models import AuditEvent
from wangge.gatherings.models import GatheringKind
from wangge.gatherings.rules import kinds
from wangge.gatherings.rules import services as rules

pytestmark = pytest.mark.django_db


@pytest.fixture
def g(world):
    return make_gatherings(world)


def test_the_shipped_kinds_are_data():
    assert list(GatheringKind.objects.order_by("order").values_list("name", flat=True)) == [
        "喜事", "丧事", "宴会", "家庭聚会", "其他",
    ]  # fmt: skip


def test_add_rename_and_a_rule_for_a_new_kind(g):
    k = kinds.add_kind(actor=g.district, name=" 乔迁 宴 ", name_en="House-warming", examples="乔迁新居")
    assert k.name == "乔迁 宴" and k.code == "house-warming" and k.active
    assert k.order > kind("other").order
    with pytest.raises(ValidationError):
        kinds.add_kind(actor=g.district, name="喜事")  # the same name twice
    with pytest.raises(ValidationError):
        kinds.add_kind(actor=g.district, name="   ")
    kinds.rename_kind(actor=g.district, kind=k, name="乔迁宴")
    k.refresh_from_db()
    assert k.name == "乔迁宴" and k.code == "house-warming"  # the code stays
    event = AuditEvent.objects.filter(model="gatherings.gatheringkind", object_id=str(k.pk)).latest("id")
    assert event.before == {"name": "乔迁 宴"} and event.after == {"name": "乔迁宴"}
    # A rule refers to the new kind.
    rule = rules.new_version(actor=g.district, kind=k, valid_from=timezone.localdate(), stance="allowed")
    assert rule.kind == k


def test_only_the_district_edits_kinds(g):
    with pytest.raises(PermissionDenied):
        kinds.add_kind(actor=g.office, name="寿宴")
    with pytest.raises(PermissionDenied):
        kinds.retire_kind(actor=g.office, kind=kind("banquet"))


def test_a_kind_in_use_is_retired_never_deleted(world, g):
    gathering = family_report(world, kind_code="other", diners=20, days_ahead=3)
    other = kind("other")
    assert kinds.retire_kind(actor=g.district, kind=other) is False
    other.refresh_from_db()
    assert not other.active
    gathering.refresh_from_db()
    assert gathering.kind_id == other.pk  # the report keeps its kind
    with pytest.raises(ValidationError):
        kinds.retire_kind(actor=g.district, kind=other)  # already retired
    # No longer offered: the public form and the staff form list active kinds only.
    html = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(reverse("gatherings_public:report")).content.decode()
    assert f'value="{other.pk}"' not in html and f'value="{kind("wedding").pk}"' in html
    kinds.restore_kind(actor=g.district, kind=other)
    other.refresh_from_db()
    assert other.active
    # A kind nothing refers to is deleted.
    fresh = kinds.add_kind(actor=g.district, name="寿宴")
    assert kinds.retire_kind(actor=g.district, kind=fresh) is True
    assert not GatheringKind.objects.filter(pk=fresh.pk).exists()
    assert AuditEvent.objects.filter(
        model="gatherings.gatheringkind", object_id=str(fresh.pk), action="delete"
    )


def test_the_kinds_pages(world, g):
    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    c.force_login(g.district)
    page = c.get(reverse("gatherings:kinds")).content.decode()
    assert "喜事" in page and "家庭聚会" in page
    r = c.post(reverse("gatherings:kind_new"), {"name": "<script>x</script>", "name_en": "", "examples": ""})
    assert r.status_code == 302
    added = GatheringKind.objects.get(name="<script>x</script>")
    page = c.get(reverse("gatherings:kinds")).content.decode()
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page
    r = c.post(reverse("gatherings:kind_edit", args=[added.pk]), {"name": "寿宴", "order": "95"})
    added.refresh_from_db()
    assert r.status_code == 302 and added.name == "寿宴" and added.order == 95
    assert c.post(reverse("gatherings:kind_edit", args=[added.pk]), {"name": "喜事"}).status_code == 200
    c.post(reverse("gatherings:kind_retire", args=[kind("banquet").pk]))
    assert not kind("banquet").active  # it has rules: retired
    page = c.get(reverse("gatherings:kinds")).content.decode()
    assert f'data-kind-id="{kind("banquet").pk}" data-active="0"' in page
    c.post(reverse("gatherings:kind_restore", args=[kind("banquet").pk]))
    assert kind("banquet").active
    c.post(reverse("gatherings:kind_retire", args=[added.pk]))
    assert not GatheringKind.objects.filter(pk=added.pk).exists()
    # The office sees the list, edits nothing.
    office = client_for(g.office)
    assert office.get(reverse("gatherings:kinds")).status_code == 200
    assert office.get(reverse("gatherings:kind_new")).status_code == 403
    assert office.post(reverse("gatherings:kind_retire", args=[kind("wedding").pk])).status_code == 403
    assert kind("wedding").active


def test_the_kinds_api(world, g):
    c = client_for(g.district)
    r = c.post(
        "/api/v1/gatherings/kinds", {"name": "寿宴", "name_en": "Birthday"}, content_type="application/json"
    )
    assert r.status_code == 201, r.content
    new = r.json()
    assert new["code"] == "birthday" and new["in_use"] is False
    r = c.patch(
        f"/api/v1/gatherings/kinds/{new['id']}", {"examples": "七十大寿"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["examples"] == "七十大寿" and r.json()["name"] == "寿宴"
    r = c.post(f"/api/v1/gatherings/kinds/{kind('funeral').pk}/retire", content_type="application/json")
    assert r.status_code == 200 and r.json()["deleted"] is False and r.json()["kind"]["active"] is False
    codes = [k["code"] for k in c.get("/api/v1/gatherings/kinds").json()]
    assert "funeral" not in codes and "birthday" in codes
    assert "funeral" in [k["code"] for k in c.get("/api/v1/gatherings/kinds?include_retired=true").json()]
    r = c.post(f"/api/v1/gatherings/kinds/{kind('funeral').pk}/restore", content_type="application/json")
    assert r.status_code == 200 and r.json()["active"] is True
    r = c.post(f"/api/v1/gatherings/kinds/{new['id']}/retire", content_type="application/json")
    assert r.json() == {"deleted": True, "kind": None}
    assert c.post("/api/v1/gatherings/kinds/99999/retire", content_type="application/json").status_code == 404
    office = client_for(g.office)
    assert office.get("/api/v1/gatherings/kinds").status_code == 200
    r = office.post("/api/v1/gatherings/kinds", {"name": "寿宴"}, content_type="application/json")
    assert r.status_code == 403
    # A retired kind is refused by the API with a clear message.
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    body = {"kind": "other", "starts_on": day, "meals": [{"on": day, "diners": 10}]}
    leader = client_for(g.leader)
    assert leader.post("/api/v1/gatherings/check", body, content_type="application/json").status_code == 200
    kinds.retire_kind(actor=g.district, kind=kind("other"))
    r = leader.post("/api/v1/gatherings/check", body, content_type="application/json")
    assert r.status_code == 422 and r.json()["errors"][0]["loc"][-1] == "kind"
