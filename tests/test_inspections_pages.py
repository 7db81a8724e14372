"""Pages and API of inspections: scoped, photos private and checked, the sync endpoint."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories.accounts import client_for, make_user
from tests.factories.inspections import jpeg_bytes, make_inspections, make_venue
from wangge.inspections.models import Order, Photo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    settings.WANGGE_PRIVATE_ROOT = tmp_path / "private"


def test_pages_answer_in_scope(world):
    s = make_inspections(world)
    c = client_for(s.leader)
    i = s.campaign.inspections.first()
    for url in ["/inspections/", "/inspections/due/", "/inspections/orders/", "/inspections/checklists/",
                f"/inspections/campaigns/{s.campaign.pk}/", f"/inspections/inspections/{i.pk}/",
                f"/inspections/inspections/{i.pk}/inspect", "/inspections/campaigns/new"]:  # fmt: skip
        assert c.get(url).status_code == 200, url
    assert c.get(f"/inspections/inspections/{i.pk}/inspect")["X-Wangge-Offline"] == "1"
    outsider = client_for(make_user("outsider", world.other_office, "office_leader"))
    assert outsider.get(f"/inspections/campaigns/{s.campaign.pk}/").status_code == 404
    assert outsider.get(f"/inspections/inspections/{i.pk}/inspect").status_code == 404


def test_photo_upload_checked_stripped_and_served_only_in_scope(world):
    s = make_inspections(world)
    i = s.campaign.inspections.first()
    a = i.answers.get(text="消杀记录是否完整")
    c = client_for(s.inspector)
    url = f"/api/v1/inspections/inspections/{i.pk}/photos"
    bad = c.post(url, {"item": a.item_id, "client_id": str(uuid.uuid4()),
                       "file": SimpleUploadedFile("x.jpg", b"not an image", "image/jpeg")})  # fmt: skip
    assert bad.status_code == 422 and "not a photo" in bad.json()["detail"]
    cid = str(uuid.uuid4())
    data = {
        "item": a.item_id,
        "client_id": cid,
        "file": SimpleUploadedFile("p.jpg", jpeg_bytes(exif=True), "image/jpeg"),
    }
    ok = c.post(url, data)
    assert ok.status_code == 200 and ok.json()["stored"] is True
    again = c.post(url, {**data, "file": SimpleUploadedFile("p.jpg", jpeg_bytes(exif=True), "image/jpeg")})
    assert again.json()["stored"] is False and Photo.objects.count() == 1
    photo = Photo.objects.get()
    body = photo.file.read()
    assert b"PhoneMaker" not in body and b"Exif" not in body
    assert c.get(f"/inspections/photos/{photo.pk}").status_code == 200
    outsider = client_for(make_user("outsider", world.other_office, "office_leader"))
    assert outsider.get(f"/inspections/photos/{photo.pk}").status_code == 404
    assert "/media/" not in photo.file.path


def test_sync_api_submits_and_the_order_is_listed(world):
    s = make_inspections(world)
    i = s.campaign.inspections.first()
    c = client_for(s.inspector)
    from tests.factories.inspections import photograph_failures

    photograph_failures(i, s.inspector, ("消杀记录是否完整",))
    ops = [
        {"opid": f"o{a.pk}", "kind": "answer", "inspection": i.pk, "item": a.item_id,
         "result": "fail" if a.text == "消杀记录是否完整" else "pass",
         "note": "消杀记录不详" if a.text == "消杀记录是否完整" else "", "client_id": str(uuid.uuid4())}
        for a in i.answers.all()
    ] + [{"opid": "sub", "kind": "submit", "inspection": i.pk, "days": 3}]  # fmt: skip
    r = c.post("/api/v1/inspections/sync", {"ops": ops}, content_type="application/json")
    assert r.status_code == 200, r.content
    last = r.json()["results"][-1]
    assert last["ok"] and last["verdict"] == "fail" and last["order"]["deadline"] == "2022-04-01"
    listed = c.get("/api/v1/inspections/orders?show=overdue").json()
    assert [o["id"] for o in listed] == [Order.objects.get().pk]
    page = client_for(s.leader).get("/inspections/orders/?show=overdue")
    assert "2022-04-01" in page.content.decode()
    notice = client_for(s.leader).get(f"/inspections/orders/{Order.objects.get().pk}/notice")
    assert "2022-0001" in notice.content.decode()
    closed_again = c.post(
        f"/api/v1/inspections/orders/{Order.objects.get().pk}/reinspections",
        {},
        content_type="application/json",
    )
    assert closed_again.status_code == 200
    summary = c.get(f"/api/v1/inspections/campaigns/{s.campaign.pk}/summary").json()
    assert summary["inspected"] == 1


def test_venue_acknowledges_through_the_hook(world):
    from wangge.inspections.orders.hooks import register_venue_actor_check
    from wangge.inspections.orders.services import acknowledge_order

    s = make_inspections(world, mix=["hotel"])
    v = make_venue(world.grid_a, "hotel")
    manager = make_user("manager", None, "volunteer")
    register_venue_actor_check(
        lambda actor, venue: getattr(actor, "username", "") == "manager" and venue.pk == v.pk
    )
    from tests.factories.inspections import photograph_failures
    from wangge.inspections.inspecting import services as inspecting

    i = inspecting.start_inspection(actor=s.inspector, venue=v)
    photograph_failures(i, s.inspector, ("消杀记录是否完整",))
    inspecting.answer_now  # noqa: B018
    from wangge.core.access import scope_of

    for a in i.answers.all():
        inspecting.answer_now(actor=s.inspector, scope=scope_of(s.inspector), inspection=i, item_id=a.item_id,
                              result="fail" if a.text == "消杀记录是否完整" else "pass", note="不详")  # fmt: skip
    r = inspecting.submit_now(actor=s.inspector, scope=scope_of(s.inspector), inspection=i)
    assert r["ok"], r
    order = Order.objects.get(inspection=i)
    acknowledge_order(actor=manager, order=order)
    order.refresh_from_db()
    assert order.acknowledged_at is not None
    other = make_user("other_manager", None, "volunteer")
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        acknowledge_order(actor=other, order=order)
