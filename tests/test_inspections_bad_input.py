"""Bad input of the issue not yet covered elsewhere, each with a clear message and nothing lost:
a photo over the size limit, a re-inspection of an order already closed (page and API)."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories.accounts import client_for
from tests.factories.inspections import make_inspections
from wangge.inspections.inspecting import photos
from wangge.inspections.models import Inspection, Order, OrderStatus, Photo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    settings.WANGGE_PRIVATE_ROOT = tmp_path / "private"


def test_a_photo_over_the_limit_is_refused_clearly(world):
    s = make_inspections(world)
    i = s.campaign.inspections.first()
    a = i.answers.get(text="消杀记录是否完整")
    big = b"\xff\xd8\xff\xe0" + b"\0" * photos.MAX_BYTES
    r = client_for(s.inspector).post(
        f"/api/v1/inspections/inspections/{i.pk}/photos",
        {
            "item": a.item_id,
            "client_id": str(uuid.uuid4()),
            "file": SimpleUploadedFile("big.jpg", big, "image/jpeg"),
        },
    )
    assert r.status_code == 422 and "too large" in r.json()["detail"] and "5 MB" in r.json()["detail"]
    assert Photo.objects.count() == 0
    # The service itself refuses it too (a caller other than the API).
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="too large"):
        photos.add_photo(actor=s.inspector, answer=a, client_id=uuid.uuid4(), data=big)


def _closed_order(s) -> Order:
    from wangge.core.access import SYSTEM
    from wangge.inspections.orders.services import issue_order

    i = s.campaign.inspections.first()
    answer = i.answers.first()
    answer.result, answer.note = "fail", "消杀记录不详"
    answer.save()
    order = issue_order(actor=SYSTEM, inspection=i, what="消杀记录不详")
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.CLOSED)
    order.refresh_from_db()
    return order


def test_a_closed_order_is_not_reinspected_page_and_api(world):
    s = make_inspections(world)
    order = _closed_order(s)
    before = Inspection.objects.count()
    c = client_for(s.inspector)
    r = c.post(f"/inspections/orders/{order.pk}/reinspect", follow=True)
    assert r.status_code == 200
    assert "cannot be re-inspected" in r.content.decode()
    api = c.post(f"/api/v1/inspections/orders/{order.pk}/reinspections", {}, content_type="application/json")
    assert api.status_code == 422 and "cannot be re-inspected" in api.json()["detail"]
    assert Inspection.objects.count() == before
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED
