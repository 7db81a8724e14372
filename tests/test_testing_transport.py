"""Boxes: packing only sealed tubes of the site, handovers in order with the tube list on
record, the late flag, the pages and the API, all scoped."""

import json
import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from wangge.registry.codes.services import make_token
from wangge.testing.checkin import services as checkin
from wangge.testing.checkin.services import ScanIn
from wangge.testing.models import Box, BoxStatus, Handover, Tube
from wangge.testing.transport import services as transport

pytestmark = pytest.mark.django_db


def fill(t, people, barcode, seal=True, table=1):
    scans = [ScanIn(client_id=uuid.uuid4(), tube=barcode, code=make_token(p)) for p in people]
    outs = checkin.ingest(actor=t.registrar, site=t.site, table_no=table, scans=scans)
    assert [o.status for o in outs] == ["accepted"] * len(people)
    tube = Tube.objects.get(round=t.round, barcode=barcode)
    if seal:
        checkin.seal_tube(actor=t.registrar, tube=tube)
    return tube


def test_only_sealed_tubes_of_the_site_go_in_one_box(testing):
    fill(testing, testing.people_a[:2], "T001")
    fill(testing, testing.people_a[2:4], "T002", seal=False)
    box = transport.create_box(actor=testing.registrar, site=testing.site, code="box 1")
    assert box.code == "BOX1" and box.path == testing.site.path
    with pytest.raises(ValidationError):
        transport.create_box(actor=testing.registrar, site=testing.site, code="BOX1")
    outs = transport.add_tubes(actor=testing.registrar, box=box, barcodes=["t001", "T002", "NOPE"])
    assert [o.ok for o in outs] == [True, False, False]
    assert "not sealed" in outs[1].message
    other = transport.create_box(actor=testing.registrar, site=testing.site, code="BOX2")
    [again] = transport.add_tubes(actor=testing.registrar, box=other, barcodes=["T001"])
    assert not again.ok and "another box" in again.message
    transport.remove_tube(actor=testing.registrar, box=box, barcode="T001")
    assert Tube.objects.get(barcode="T001").box is None


def test_handovers_in_order_with_the_tube_list_snapshotted(testing):
    fill(testing, testing.people_a[:2], "H001")
    fill(testing, testing.people_a[2:4], "H002")
    box = transport.create_box(actor=testing.registrar, site=testing.site, code="B1")
    with pytest.raises(ValidationError, match="empty box"):
        transport.handover(
            actor=testing.registrar, box=box, stage="site_to_transport", at=None, from_name="甲", to_name="乙"
        )
    transport.add_tubes(actor=testing.registrar, box=box, barcodes=["H001", "H002"])
    with pytest.raises(ValidationError, match="not left the site"):
        transport.handover(
            actor=testing.registrar, box=box, stage="transport_to_lab", at=None, from_name="乙", to_name="丙"
        )
    at = timezone.now() - timedelta(hours=1)
    first = transport.handover(
        actor=testing.registrar, box=box, stage="site_to_transport", at=at, from_name="甲", to_name="乙"
    )
    assert first.tube_barcodes == ["H001", "H002"]
    box.refresh_from_db()
    assert (box.status, box.left_site_at) == (BoxStatus.IN_TRANSIT, at)
    same = transport.handover(
        actor=testing.registrar, box=box, stage="site_to_transport", at=at, from_name="甲", to_name="乙"
    )
    assert same.pk == first.pk  # identical: idempotent
    with pytest.raises(ValidationError, match="already recorded"):
        transport.handover(
            actor=testing.registrar, box=box, stage="site_to_transport", at=at, from_name="甲", to_name="丁"
        )
    with pytest.raises(ValidationError, match="no longer change"):
        transport.remove_tube(actor=testing.registrar, box=box, barcode="H001")
    transport.handover(
        actor=testing.registrar, box=box, stage="transport_to_lab", at=None, from_name="乙", to_name="丙"
    )
    box.refresh_from_db()
    assert box.status == BoxStatus.RECEIVED and box.received_at is not None
    assert Handover.objects.filter(box=box).count() == 2


def test_late_boxes_and_unboxed_tubes_are_flagged(testing):
    old = timezone.now() - timedelta(hours=5)
    fill(testing, testing.people_a[:2], "L001")
    fill(testing, testing.people_a[2:4], "L002")
    fill(testing, testing.people_a[4:6], "L003")
    fill(testing, testing.people_a[6:8], "L004")
    Tube.objects.filter(barcode__in=["L001", "L003"]).update(sealed_at=old)
    packing = transport.create_box(actor=testing.registrar, site=testing.site, code="LATE1")
    transport.add_tubes(actor=testing.registrar, box=packing, barcodes=["L001"])
    fresh = transport.create_box(actor=testing.registrar, site=testing.site, code="FRESH")
    transport.add_tubes(actor=testing.registrar, box=fresh, barcodes=["L002"])
    moving = transport.create_box(actor=testing.registrar, site=testing.site, code="MOVING")
    transport.add_tubes(actor=testing.registrar, box=moving, barcodes=["L004"])
    transport.handover(
        actor=testing.registrar,
        box=moving,
        stage="site_to_transport",
        at=timezone.now() - timedelta(hours=4, minutes=30),
        from_name="甲",
        to_name="乙",
    )
    report = transport.late(_scope(testing.registrar), testing.round)
    assert sorted(b.code for b in report.boxes) == ["LATE1", "MOVING"]
    assert [t.barcode for t in report.unboxed] == ["L003"]
    client = Client()
    client.force_login(testing.registrar)
    page = client.get(f"/testing/rounds/{testing.round.pk}/boxes/?late=1").content.decode()
    assert "LATE1" in page and "MOVING" in page and "FRESH" not in page and "L003" in page
    api = client.get(f"/api/v1/testing/rounds/{testing.round.pk}/boxes").json()
    assert {b["code"]: b["late"] for b in api} == {"LATE1": True, "FRESH": False, "MOVING": True}


def _scope(user):
    from wangge.core.access import scope_of

    return scope_of(user)


def test_pages_pack_and_hand_over_a_box(testing):
    fill(testing, testing.people_a[:2], "G001")
    fill(testing, testing.people_a[2:4], "G002")
    client = Client()
    client.force_login(testing.registrar)
    response = client.post(
        f"/testing/rounds/{testing.round.pk}/boxes/new/", {"site": testing.site.pk, "code": "WEB1"}
    )
    box = Box.objects.get(code="WEB1")
    assert response.status_code == 302 and response["Location"] == f"/testing/boxes/{box.pk}/"
    response = client.post(f"/testing/boxes/{box.pk}/add/", {"tubes": "G001\nG002"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="box-tubes"' in response.content.decode()
    assert box.tubes.count() == 2
    client.post(f"/testing/boxes/{box.pk}/remove/", {"barcode": "G002"})
    assert box.tubes.count() == 1
    at = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/testing/boxes/{box.pk}/handover/",
        {"stage": "site_to_transport", "from_name": "采样点负责人", "to_name": "转运员", "at": at},
    )
    assert response.status_code == 302
    page = client.get(f"/testing/boxes/{box.pk}/").content.decode()
    assert "采样点负责人" in page and "转运员" in page and "G001" in page
    listing = client.get(f"/testing/rounds/{testing.round.pk}/boxes/").content.decode()
    assert "WEB1" in listing


def test_api_boxes_and_handover(testing):
    fill(testing, testing.people_a[:2], "A001")
    client = Client()
    client.force_login(testing.registrar)
    base = "/api/v1/testing"
    response = client.post(
        f"{base}/rounds/{testing.round.pk}/boxes",
        json.dumps({"site_id": testing.site.pk, "code": "API1"}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    box_id = response.json()["id"]
    outs = client.post(
        f"{base}/boxes/{box_id}/tubes",
        json.dumps({"tubes": ["A001", "ZZZ"]}),
        content_type="application/json",
    ).json()
    assert [o["ok"] for o in outs] == [True, False]
    response = client.post(
        f"{base}/boxes/{box_id}/handover",
        json.dumps({"stage": "transport_to_lab", "from_name": "乙", "to_name": "丙"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    response = client.post(
        f"{base}/boxes/{box_id}/handover",
        json.dumps({"stage": "site_to_transport", "from_name": "甲", "to_name": "乙"}),
        content_type="application/json",
    )
    assert response.status_code == 200
    data = client.get(f"{base}/boxes/{box_id}").json()
    assert data["status"] == "in_transit" and data["handovers"][0]["tube_barcodes"] == ["A001"]


def test_out_of_scope_box_is_404_like_a_missing_one(testing, world):
    from tests.factories import make_user

    fill(testing, testing.people_a[:2], "O001")
    box = transport.create_box(actor=testing.registrar, site=testing.site, code="OUT1")
    transport.add_tubes(actor=testing.registrar, box=box, barcodes=["O001"])
    outsider = make_user("other_registrar", world.other_village, "sampling_registrar")
    client = Client()
    client.force_login(outsider)
    assert client.get(f"/testing/boxes/{box.pk}/").status_code == 404
    assert client.post(f"/testing/boxes/{box.pk}/remove/", {"barcode": "O001"}).status_code == 404
    assert client.get(f"/api/v1/testing/boxes/{box.pk}").status_code == 404
    response = client.post(
        f"/api/v1/testing/boxes/{box.pk}/handover",
        json.dumps({"stage": "site_to_transport", "from_name": "x", "to_name": "y"}),
        content_type="application/json",
    )
    assert response.status_code == 404
    assert "OUT1" not in client.get(f"/testing/rounds/{testing.round.pk}/boxes/").content.decode()
    assert Tube.objects.get(barcode="O001").box_id == box.pk
    assert not Handover.objects.exists()
