"""The sampling table pages: choosing a table, the phone page's settings, the tube pages with
their seal and remove actions, and scoping (out of scope answers 404 like missing)."""

import json
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_user
from tests.factories.reveal import revealed
from wangge.registry.codes.services import make_token
from wangge.testing.checkin import services as checkin
from wangge.testing.checkin.services import ScanIn
from wangge.testing.models import Due, DueStatus, RoundStatus, Sample, Site, Tube, TubeStatus

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def fill(t, people, tube="T0001", table=1):
    scans = [ScanIn(client_id=uuid.uuid4(), tube=tube, code=make_token(p)) for p in people]
    out = checkin.ingest(actor=t.registrar, site=t.site, table_no=table, scans=scans)
    assert {o.status for o in out} == {"accepted"}
    return Tube.objects.get(barcode=tube)


def other_site(world, rnd, name="张庄村采样点"):
    now = timezone.now()
    site = Site.objects.create(
        round=rnd,
        name=name,
        unit=world.other_grid,
        path=world.other_grid.path,
        tables=1,
        opens_at=now,
        closes_at=now + timedelta(hours=8),
    )
    site.grids.set([world.other_grid])
    return site


# ------------------------------------------------------------------------------- pick


def test_pick_lists_open_sites_in_scope_with_their_tables(testing, world):
    other_site(world, testing.round)
    r = client_for(testing.registrar).get(reverse("testing:table_pick"))
    assert r.status_code == 200
    html = r.content.decode()
    assert testing.site.name in html and "张庄村采样点" not in html
    url = reverse("testing:table", kwargs={"site_id": testing.site.pk})
    assert f"{url}?table=1" in html and f"{url}?table=2" in html and f"{url}?table=3" not in html


def test_pick_hides_sites_of_rounds_not_open(testing):
    testing.round.status = RoundStatus.CLOSED
    testing.round.save(update_fields=["status"])
    r = client_for(testing.registrar).get(reverse("testing:table_pick"))
    assert testing.site.name not in r.content.decode()
    assert 'data-testid="no-sites"' in r.content.decode()


def test_pick_and_table_need_the_register_permission(testing, world):
    lab = testing.lab  # TESTING_VIEW only
    c = client_for(lab)
    assert c.get(reverse("testing:table_pick")).status_code == 403
    assert (
        c.get(reverse("testing:table", kwargs={"site_id": testing.site.pk}) + "?table=1").status_code == 403
    )


# ------------------------------------------------------------------------------- table page


def test_table_page_carries_its_settings_in_data_attributes(testing, world):
    c = client_for(testing.registrar)
    r = c.get(reverse("testing:table", kwargs={"site_id": testing.site.pk}) + "?table=2")
    assert r.status_code == 200
    html = r.content.decode()
    site = testing.site
    assert f'data-site-id="{site.pk}"' in html
    assert 'data-table="2"' in html
    assert f'data-round-id="{testing.round.pk}"' in html
    assert f'data-upload-url="/api/v1/testing/sites/{site.pk}/upload"' in html
    assert f'data-storage-key="wangge.table.v2.{site.pk}.2"' in html
    assert f'data-legacy-keys="wangge.table.v1.{site.pk}.2"' in html  # an older page's queue is carried over
    assert r["X-Wangge-Offline"] == "1"  # the service worker keeps it for when the network is down
    assert 'data-pool-size="10"' in html and 'data-open="1"' in html
    csrf = r.cookies.get("csrftoken") or c.cookies.get("csrftoken")
    assert csrf is not None and 'data-csrf="' in html
    assert "wangge/table.js" in html and 'id="table-strings"' in html
    assert "onclick=" not in html.split('id="table-app"')[1]
    # walk-ins go to the grids the site serves
    assert world.grid_a.name in html and world.grid_b.name in html and world.other_grid.name not in html
    assert 'aria-live="assertive"' in html


def test_table_page_uses_the_sites_pool_size_and_says_when_the_round_is_not_open(testing):
    testing.site.pool_size = 5
    testing.site.save(update_fields=["pool_size"])
    c = client_for(testing.registrar)
    url = reverse("testing:table", kwargs={"site_id": testing.site.pk})
    assert 'data-pool-size="5"' in c.get(url + "?table=1").content.decode()
    testing.round.status = RoundStatus.CLOSED
    testing.round.save(update_fields=["status"])
    html = c.get(url + "?table=1").content.decode()
    assert 'data-open="0"' in html and 'data-testid="round-not-open"' in html


def test_table_number_must_exist_and_site_must_be_in_scope(testing, world):
    c = client_for(testing.registrar)
    url = reverse("testing:table", kwargs={"site_id": testing.site.pk})
    assert c.get(url + "?table=3").status_code == 404
    assert c.get(url + "?table=x").status_code == 404
    r = c.get(url)  # two tables: choose one first
    assert r.status_code == 302 and r["Location"] == reverse("testing:table_pick")
    foreign = other_site(world, testing.round)
    assert c.get(reverse("testing:table", kwargs={"site_id": foreign.pk}) + "?table=1").status_code == 404
    assert c.get(reverse("testing:table", kwargs={"site_id": 999999}) + "?table=1").status_code == 404


def test_the_page_and_the_api_work_together_with_the_rendered_csrf_token(testing):
    """The page's token is what its script sends: a session POST with it is accepted."""
    c = Client(enforce_csrf_checks=True)
    c.force_login(testing.registrar)
    html = c.get(reverse("testing:table", kwargs={"site_id": testing.site.pk}) + "?table=1").content.decode()
    token = html.split('data-csrf="')[1].split('"')[0]
    person = testing.people_a[0]
    body = {
        "table_no": 1,
        "scans": [
            {"client_id": str(uuid.uuid4()), "tube": "T9", "id_number": person.id_number, "capacity": 5}
        ],
    }
    url = f"/api/v1/testing/sites/{testing.site.pk}/upload"
    refused = c.post(url, json.dumps(body), content_type="application/json")
    assert refused.status_code == 403
    ok = c.post(url, json.dumps(body), content_type="application/json", headers={"X-CSRFToken": token})
    assert ok.status_code == 200
    assert ok.json()["results"][0]["status"] == "accepted"
    assert Tube.objects.get(barcode="T9").capacity == 5


# ------------------------------------------------------------------------------- tube pages


def test_tube_list_filters_by_table_and_status(testing):
    fill(testing, testing.people_a[:2], tube="TA1", table=1)
    fill(testing, testing.people_a[2:4], tube="TB2", table=2)
    checkin.seal_tube(actor=testing.registrar, tube=Tube.objects.get(barcode="TB2"))
    c = client_for(testing.registrar)
    url = reverse("testing:tubes", kwargs={"site_id": testing.site.pk})
    html = c.get(url).content.decode()
    assert "TA1" in html and "TB2" in html and "2/10" in html
    html = c.get(url + "?table=1").content.decode()
    assert "TA1" in html and "TB2" not in html
    html = c.get(url + "?status=sealed").content.decode()
    assert "TA1" not in html and "TB2" in html


def test_tube_page_shows_members_masked_and_removals_with_reason(testing):
    tube = fill(testing, testing.people_a[:3])
    first = Sample.objects.get(person=testing.people_a[0])
    checkin.remove_sample(actor=testing.registrar, sample=first, reason="扫错了人")
    c = client_for(testing.registrar)
    html = c.get(reverse("testing:tube", kwargs={"tube_id": tube.pk})).content.decode()
    members = html.split('data-testid="tube-members"')[1].split("</table>")[0]
    removals = html.split('data-testid="tube-removals"')[1].split("</table>")[0]
    for p in testing.people_a[1:3]:
        assert p.name in members
        assert p.id_number not in html
        assert p.id_number[:6] + "********" + p.id_number[-4:] in members
    assert testing.people_a[0].name in removals and "扫错了人" in removals and "registrar" in removals
    # the district admin (who may see full IDs) sees them in full
    manager = client_for(testing.manager)
    html = manager.get(reverse("testing:tube", kwargs={"tube_id": tube.pk})).content.decode()
    assert testing.people_a[1].id_number not in html  # masked for everyone, revealed on demand
    assert testing.people_a[1].id_number in revealed(manager, html)


def test_seal_and_remove_through_the_pages(testing):
    tube = fill(testing, testing.people_a[:3])
    c = client_for(testing.registrar)
    sample = Sample.objects.get(person=testing.people_a[1])
    remove_url = reverse("testing:sample_remove", kwargs={"sample_id": sample.pk})
    r = c.post(remove_url, {"reason": ""})
    assert r.status_code == 302
    sample.refresh_from_db()
    assert sample.removed_at is None  # a reason is required
    r = c.post(remove_url, {"reason": "重复扫码"}, follow=True)
    assert r.status_code == 200
    sample.refresh_from_db()
    tube.refresh_from_db()
    assert sample.removed_reason == "重复扫码" and sample.removed_by == testing.registrar
    assert tube.filled == 2
    assert Due.objects.get(round=testing.round, person=testing.people_a[1]).status == DueStatus.DUE

    r = c.post(reverse("testing:tube_seal", kwargs={"tube_id": tube.pk}), follow=True)
    assert r.status_code == 200
    tube.refresh_from_db()
    assert tube.status == TubeStatus.SEALED and tube.sealed_at is not None
    # a sealed tube cannot lose a member
    other = Sample.objects.get(person=testing.people_a[2])
    c.post(reverse("testing:sample_remove", kwargs={"sample_id": other.pk}), {"reason": "晚了"})
    other.refresh_from_db()
    assert other.removed_at is None
    assert "Take out" not in c.get(reverse("testing:tube", kwargs={"tube_id": tube.pk})).content.decode()


def test_actions_need_the_register_permission(testing):
    tube = fill(testing, testing.people_a[:1])
    sample = Sample.objects.get()
    viewer = make_user("viewer", testing.site.unit, "lab")
    c = client_for(viewer)
    assert c.get(reverse("testing:tube", kwargs={"tube_id": tube.pk})).status_code == 200
    assert c.post(reverse("testing:tube_seal", kwargs={"tube_id": tube.pk})).status_code == 403
    r = c.post(reverse("testing:sample_remove", kwargs={"sample_id": sample.pk}), {"reason": "x"})
    assert r.status_code == 403
    tube.refresh_from_db()
    sample.refresh_from_db()
    assert tube.status == TubeStatus.OPEN and sample.removed_at is None


def test_tube_pages_out_of_scope_answer_404(testing, world):
    tube = fill(testing, testing.people_a[:2])
    sample = Sample.objects.first()
    leader_b = make_user("leader_b_reg", world.grid_b, "grid_leader", "sampling_registrar")
    outsider = make_user("zz_registrar", world.other_office, "sampling_registrar")
    for user in (leader_b, outsider):
        c = client_for(user)
        assert c.get(reverse("testing:tubes", kwargs={"site_id": testing.site.pk})).status_code == 404
        assert c.get(reverse("testing:tube", kwargs={"tube_id": tube.pk})).status_code == 404
        assert c.post(reverse("testing:tube_seal", kwargs={"tube_id": tube.pk})).status_code == 404
        r = c.post(reverse("testing:sample_remove", kwargs={"sample_id": sample.pk}), {"reason": "x"})
        assert r.status_code == 404
    tube.refresh_from_db()
    sample.refresh_from_db()
    assert tube.status == TubeStatus.OPEN and sample.removed_at is None
    assert (
        client_for(testing.registrar).get(reverse("testing:tube", kwargs={"tube_id": 999999})).status_code
        == 404
    )
