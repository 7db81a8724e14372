"""Coverage (应检尽检、不漏一人): the live counts per level equal a full recount; a grid leader
sees their own grid only; the list of people still to be sampled leaves out the sampled and the
exempt, masks phones by role and exports (audited); the charts carry throughput per table."""

import io
import json
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from tests.factories import make_user
from tests.factories.reveal import revealed
from wangge.audit.models import AuditEvent
from wangge.registry.codes.services import make_token
from wangge.testing import counters
from wangge.testing.checkin import services as checkin
from wangge.testing.checkin.services import ScanIn
from wangge.testing.models import CallSlot, CoverageCounter, Due, ExemptReason, SlotKind
from wangge.testing.rounds import services as testing_services

pytestmark = pytest.mark.django_db

FIELDS = counters.FIELDS


def scan_people(t, people, table=1, tube=None):
    tube = tube or f"T{uuid.uuid4().hex[:8]}"
    scans = [ScanIn(client_id=uuid.uuid4(), tube=tube, code=make_token(p)) for p in people]
    outs = checkin.ingest(actor=t.registrar, site=t.site, table_no=table, scans=scans)
    assert all(o.status == checkin.ACCEPTED for o in outs), [o.message for o in outs]
    return outs


def exempt(t, person, reason=ExemptReason.AWAY, note=""):
    due = Due.objects.get(round=t.round, person=person)
    return testing_services.set_exemption(actor=t.manager, due=due, reason=reason, note=note)


@pytest.fixture
def sampled(testing, world):
    """Grid A: 5 sampled at table 1, 1 exempt (away), 1 exempt (other); grid B: 2 sampled at table 2."""
    scan_people(testing, testing.people_a[:5], table=1)
    scan_people(testing, testing.people_b[:2], table=2)
    exempt(testing, testing.people_a[5])
    exempt(testing, testing.people_a[6], reason=ExemptReason.OTHER, note="住院")
    return testing


def recount_of(t, path):
    """The ground truth for one unit: the full recount summed over its grids."""
    grid_paths = dict(Due.objects.filter(round=t.round).values_list("grid_id", "path").distinct())
    out = dict.fromkeys(FIELDS, 0)
    for gid, counts in counters.full_recount(t.round.pk).items():
        if grid_paths[gid].startswith(path):
            for f in FIELDS:
                out[f] += counts[f]
    return out


def as_counts(row) -> dict:
    get = row.get if isinstance(row, dict) else lambda f: getattr(row, f)
    return {f: get(f) for f in FIELDS}


def client_for(client, user):
    client.force_login(user)
    return client


def coverage_url(t, unit=None):
    url = reverse("testing:coverage", kwargs={"round_id": t.round.pk})
    return f"{url}?unit={unit.pk}" if unit is not None else url


def api(client, path, **params):
    return client.get(f"/api/v1/testing/rounds/{path}", params)


# ------------------------------------------------------------------------------- counts


@pytest.mark.parametrize("level", ["district", "office", "village", "workstation"])
def test_page_and_api_counts_equal_a_full_recount_at_each_level(client, sampled, world, level):
    t = sampled
    unit = getattr(world, level)
    client_for(client, t.manager)
    response = client.get(coverage_url(t, unit))
    assert response.status_code == 200
    totals, children = response.context["totals"], response.context["children"]
    assert as_counts(totals) == recount_of(t, unit.path)
    assert children, "a unit above the grids lists its children"
    for row in children:
        assert as_counts(row) == recount_of(t, row.unit.path), row.label
        assert row.untested == row.due - row.tested - row.exempt
    body = response.content.decode()
    for row in children:
        assert f'?unit={row.unit.pk}"' in body  # each row links one level down

    data = api(client, f"{t.round.pk}/coverage", unit_id=unit.pk).json()
    assert as_counts(data["unit"]) == recount_of(t, unit.path)
    assert {c["unit_id"]: as_counts(c) for c in data["children"]} == {
        row.unit.pk: recount_of(t, row.unit.path) for row in children
    }


def test_grid_level_shows_floors_and_counts_equal_the_recount(client, sampled, world):
    t = sampled
    client_for(client, t.manager)
    response = client.get(coverage_url(t, world.grid_a))
    assert response.status_code == 200
    expected = recount_of(t, world.grid_a.path)
    assert as_counts(response.context["totals"]) == expected
    assert expected["tested"] == 5 and expected["exempt"] == 2 and expected["due"] == 12
    places = response.context["places"]
    assert sum(p["due"] for p in places) == 12
    assert sum(p["tested"] for p in places) == 5
    assert {(p["unit_label"], p["floor"]) for p in places} == {(u, f) for u in "12" for f in (1, 2, 3)}
    # The same page at its own address, and from the API.
    grid_url = reverse("testing:coverage_grid", kwargs={"round_id": t.round.pk, "unit_id": world.grid_a.pk})
    assert client.get(grid_url).context["places"] == places
    data = api(client, f"{t.round.pk}/coverage/grid/{world.grid_a.pk}").json()
    assert as_counts(data["grid"]) == expected
    assert sum(p["untested"] for p in data["places"]) == 12 - 5 - 2
    # A village is not a grid.
    village_grid = reverse(
        "testing:coverage_grid", kwargs={"round_id": t.round.pk, "unit_id": world.village.pk}
    )
    assert client.get(village_grid).status_code == 404


def test_the_page_follows_new_scans(client, sampled, world):
    t = sampled
    client_for(client, t.manager)
    before = client.get(coverage_url(t, world.village)).context["totals"].tested
    scan_people(t, t.people_a[7:9])
    assert client.get(coverage_url(t, world.village)).context["totals"].tested == before + 2


def test_the_polling_fragment_is_only_the_live_table(client, sampled, world):
    t = sampled
    client_for(client, t.manager)
    page = client.get(coverage_url(t, world.office)).content.decode()
    assert 'hx-trigger="every 15s"' in page and 'id="coverage-live"' in page
    fragment = client.get(
        coverage_url(t, world.office), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="coverage-live"
    )
    html = fragment.content.decode()
    assert fragment.status_code == 200
    assert html.lstrip().startswith('<div id="coverage-live"')
    assert 'data-testid="coverage-table"' in html
    assert "<html" not in html and "topbar" not in html and "Check the counts" not in html
    assert "HX-Target" in fragment["Vary"]
    # At a grid: the floors, not the list of people (the page around it has that).
    grid_page = client.get(coverage_url(t, world.grid_a)).content.decode()
    assert 'data-testid="people-table"' in grid_page
    grid_fragment = client.get(
        coverage_url(t, world.grid_a), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="coverage-live"
    ).content.decode()
    assert 'data-testid="coverage-places"' in grid_fragment
    assert 'data-testid="people-table"' not in grid_fragment and t.people_a[9].name not in grid_fragment


# ------------------------------------------------------------------------------- scope


def test_grid_leader_lands_on_their_grid_and_sees_nothing_else(client, sampled, world, grid_leader_a):
    t = sampled
    client_for(client, grid_leader_a)
    response = client.get(coverage_url(t))
    assert response.status_code == 200
    assert response.context["unit"] == world.grid_a
    assert as_counts(response.context["totals"]) == recount_of(t, world.grid_a.path)
    body = response.content.decode()
    assert "乙网格" not in body and "冢刘村" not in body  # no breadcrumb above the scope
    for unit in (world.grid_b, world.other_grid, world.other_office, world.village):
        assert client.get(coverage_url(t, unit)).status_code == 404
        assert api(client, f"{t.round.pk}/coverage", unit_id=unit.pk).status_code == 404
        assert api(client, f"{t.round.pk}/untested", unit_id=unit.pk).status_code == 404
        assert api(client, f"{t.round.pk}/progress", unit_id=unit.pk).status_code == 404
        assert (
            client.get(
                reverse("testing:untested", kwargs={"round_id": t.round.pk}), {"unit": unit.pk}
            ).status_code
            == 404
        )
    grid_b = reverse("testing:coverage_grid", kwargs={"round_id": t.round.pk, "unit_id": world.grid_b.pk})
    assert client.get(grid_b).status_code == 404
    assert api(client, f"{t.round.pk}/coverage/grid/{world.grid_b.pk}").status_code == 404
    assert api(client, f"{t.round.pk}/coverage").json()["unit"]["unit_id"] == world.grid_a.pk


def test_office_leader_cannot_open_the_other_office(client, sampled, world, office_leader):
    t = sampled
    client_for(client, office_leader)
    assert client.get(coverage_url(t)).context["unit"] == world.office
    assert client.get(coverage_url(t, world.other_office)).status_code == 404
    assert client.get(coverage_url(t, world.other_grid)).status_code == 404
    assert client.get(coverage_url(t, world.district)).status_code == 404


def test_a_building_of_another_grid_is_not_found(client, sampled, world, grid_leader_a):
    t = sampled
    client_for(client, grid_leader_a)
    building_b = Due.objects.filter(round=t.round, grid=world.grid_b).first().building
    url = reverse("testing:untested", kwargs={"round_id": t.round.pk})
    assert client.get(url, {"building": building_b.pk}).status_code == 404
    assert api(client, f"{t.round.pk}/untested", building_id=building_b.pk).status_code == 404


# ------------------------------------------------------------------------------- untested list


def test_untested_list_leaves_out_the_sampled_and_the_exempt(client, sampled, world):
    t = sampled
    worker = make_user("worker_a", world.grid_a, "grid_worker")
    client_for(client, worker)
    response = client.get(reverse("testing:untested", kwargs={"round_id": t.round.pk}))
    assert response.status_code == 200
    assert response.context["unit"] == world.grid_a
    listed = {d.person_id for d in response.context["page_obj"].object_list}
    assert listed == {p.pk for p in t.people_a[7:]}
    body = response.content.decode()
    for p in t.people_a[:7]:
        assert p.name not in body
    # Grid workers may call: the number is revealed on demand as a tel: link (audited).
    assert f'href="tel:{t.people_a[7].phone}"' in revealed(client, body)

    exempt_page = client.get(reverse("testing:untested", kwargs={"round_id": t.round.pk}), {"list": "exempt"})
    assert {d.person_id for d in exempt_page.context["page_obj"].object_list} == {
        t.people_a[5].pk,
        t.people_a[6].pk,
    }
    assert {r["reason"]: r["n"] for r in exempt_page.context["reasons"]} == {"away": 1, "other": 1}
    assert "住院" in exempt_page.content.decode()

    data = api(client, f"{t.round.pk}/untested").json()
    assert data["count"] == 5
    assert {i["person_id"] for i in data["items"]} == listed
    assert all(i["phone"].startswith("138") and "*" not in i["phone"] for i in data["items"])


def test_phones_are_masked_for_a_role_without_phones(client, sampled, world):
    t = sampled
    client_for(client, t.registrar)  # sampling_registrar: testing view, no phones
    response = client.get(
        reverse("testing:untested", kwargs={"round_id": t.round.pk}), {"unit": world.grid_a.pk}
    )
    assert response.status_code == 200
    body = response.content.decode()
    person = t.people_a[7]
    assert person.phone not in body and "tel:" not in body
    assert person.phone[:3] + "****" + person.phone[-4:] in body
    data = api(client, f"{t.round.pk}/untested", unit_id=world.grid_a.pk).json()
    assert all("*" in i["phone"] and "*" in i["id_number"] for i in data["items"])
    # A volunteer has no coverage view at all.
    client_for(client, make_user("volunteer_a", world.grid_a, "volunteer"))
    assert client.get(reverse("testing:untested", kwargs={"round_id": t.round.pk})).status_code == 403


def test_untested_list_shows_home_sampling_and_the_calling_batch(client, sampled, world):
    t = sampled
    person = t.people_a[8]
    due = Due.objects.get(round=t.round, person=person)
    testing_services.set_home_sampling(actor=t.manager, due=due, home=True)
    now = timezone.now()
    CallSlot.objects.create(
        round=t.round, site=t.site, kind=SlotKind.FLOOR, grid=world.grid_a, building=due.building,
        unit_label=due.unit_label, floor=due.floor, label="甲楼第一批", starts_at=now,
        ends_at=now + timedelta(minutes=30), people=2, path=world.grid_a.path,
    )  # fmt: skip
    client_for(client, make_user("worker_a", world.grid_a, "grid_worker"))
    page = client.get(reverse("testing:untested", kwargs={"round_id": t.round.pk}))
    rows = {d.person_id: d for d in page.context["page_obj"].object_list}
    assert rows[person.pk].home_sampling and rows[person.pk].slot.label == "甲楼第一批"
    assert 'data-testid="home-sampling"' in page.content.decode()
    home = client.get(reverse("testing:untested", kwargs={"round_id": t.round.pk}), {"list": "home"})
    assert [d.person_id for d in home.context["page_obj"].object_list] == [person.pk]
    item = next(
        i for i in api(client, f"{t.round.pk}/untested").json()["items"] if i["person_id"] == person.pk
    )
    assert item["home_sampling"] and item["slot"]["label"] == "甲楼第一批"


def test_building_filter(client, sampled, world):
    t = sampled
    client_for(client, t.manager)
    building_b = Due.objects.filter(round=t.round, grid=world.grid_b).first().building
    url = reverse("testing:untested", kwargs={"round_id": t.round.pk})
    response = client.get(url, {"unit": world.village.pk, "building": building_b.pk})
    assert {d.person_id for d in response.context["page_obj"].object_list} == {p.pk for p in t.people_b[2:]}


# ------------------------------------------------------------------------------- export


def read_xlsx(response) -> list[list]:
    data = b"".join(response.streaming_content)
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


def test_export_has_the_untested_rows_masked_by_role_and_is_audited(client, sampled, world, grid_leader_a):
    t = sampled
    client_for(client, grid_leader_a)
    url = reverse("testing:untested_export", kwargs={"round_id": t.round.pk})
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = read_xlsx(response)
    header, body = rows[0], rows[1:]
    names = {r[header.index("姓名")] for r in body}
    assert names == {p.name for p in t.people_a[7:]}
    phones = {r[header.index("手机号")] for r in body}
    assert phones == {p.phone for p in t.people_a[7:]}  # grid leaders may see phones
    event = AuditEvent.objects.filter(after__export="untested").get()
    assert event.after["rows"] == 5 and event.actor == grid_leader_a
    assert event.path == world.grid_a.path
    assert t.people_a[7].name not in json.dumps(event.after, ensure_ascii=False)

    # A role that may export but not see phones or ID numbers gets them masked.
    from wangge.testing import permissions as p

    exporter = make_user("exporter_a", world.grid_a)
    _grant(exporter, p.TESTING_VIEW, p.TESTING_EXPORT)
    client_for(client, exporter)
    masked = read_xlsx(client.get(url, {"list": "exempt"}))
    assert {r[masked[0].index("姓名")] for r in masked[1:]} == {t.people_a[5].name, t.people_a[6].name}
    assert all("*" in r[masked[0].index("手机号")] for r in masked[1:])
    assert all("*" in r[masked[0].index("证件号码")] for r in masked[1:])
    assert AuditEvent.objects.filter(after__export="exempt", after__rows=2).exists()


def _grant(user, *perms):
    from wangge.accounts.models import Role

    role = Role.objects.create(code=f"custom-{user.username}", name=user.username, permissions=list(perms))
    user.roles.add(role)


def test_export_needs_the_export_permission(client, sampled, world):
    client_for(client, make_user("worker_a", world.grid_a, "grid_worker"))
    url = reverse("testing:untested_export", kwargs={"round_id": sampled.round.pk})
    assert client.get(url).status_code == 403
    assert not AuditEvent.objects.filter(after__has_key="export").exists()


def test_export_neutralises_formulas(client, sampled, world, grid_leader_a):
    t = sampled
    person = t.people_a[9]
    person.household.address = "=HYPERLINK(1)"
    person.household.save(update_fields=["address"])
    client_for(client, grid_leader_a)
    rows = read_xlsx(client.get(reverse("testing:untested_export", kwargs={"round_id": t.round.pk})))
    assert "'=HYPERLINK(1)" in {r[rows[0].index("地址")] for r in rows[1:]}


# ------------------------------------------------------------------------------- charts


def test_chart_json_has_throughput_per_site_and_table(client, sampled, world):
    t = sampled
    client_for(client, t.manager)
    response = client.get(
        reverse("testing:progress", kwargs={"round_id": t.round.pk}), {"unit": world.village.pk}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="progress-data"' in body and "echarts-5.6.0.min.js" in body and "coverage-charts.js" in body
    data = response.context["progress"]
    by_table = {row["table_no"]: sum(row["samples"]) for row in data["tables"]}
    assert by_table == {1: 5, 2: 2}
    assert [s["name"] for s in data["sites"]] == [t.site.name]
    assert data["cumulative"][-1] == 7 and data["due"] == 18 - 2
    api_data = api(client, f"{t.round.pk}/progress", unit_id=world.village.pk).json()
    assert {r["table_no"]: sum(r["samples"]) for r in api_data["tables"]} == {1: 5, 2: 2}


def test_short_site_names_drop_what_all_share_and_cut_at_a_place_word():
    from wangge.testing.coverage.selectors import short_site_names

    names = ["冢刘村核酸采样点", "王庄村核酸采样点", "阳光社区核酸采样点"]
    assert short_site_names(names) == {
        "冢刘村核酸采样点": "冢刘村",
        "王庄村核酸采样点": "王庄村",
        "阳光社区核酸采样点": "阳光社区",
    }
    # Never cut inside a place's name: "阳光社区" and "阳明社区" share "阳" and "社区…".
    assert set(short_site_names(["阳光社区采样点", "阳明社区采样点"]).values()) == {"阳光社区", "阳明社区"}
    # One site keeps its name; a name that would be left empty keeps its whole.
    assert short_site_names(["冢刘村核酸采样点"]) == {"冢刘村核酸采样点": "冢刘村核酸采样点"}
    assert short_site_names(["采样点", "东村采样点"]) == {"采样点": "采样点", "东村采样点": "东村"}


@pytest.mark.chinese_default
def test_chart_labels_are_short_and_unique_and_hours_are_real_times(client, sampled, world):
    """The heatmap's rows are told apart by a short label (the full name is in the data for the
    tooltip), and the hours are real times, so that 17:00 one day is not drawn next to 11:00 the
    next (the time axis shows the night between)."""
    from datetime import datetime

    from wangge.testing.models import Site, ThroughputCounter

    t = sampled
    other = Site.objects.create(
        round=t.round,
        name="冢刘村文化广场西",
        unit=world.village,
        path=world.village.path,
        tables=3,
        opens_at=t.site.opens_at,
        closes_at=t.site.closes_at,
    )
    # Days before the fixture's own scans (made now), so that no hour of theirs falls in between
    # whatever the time of day the test runs.
    evening = timezone.localtime().replace(hour=17, minute=0, second=0, microsecond=0) - timedelta(days=3)
    morning = evening + timedelta(hours=18)
    ThroughputCounter.objects.create(round=t.round, site=other, table_no=3, hour=evening, samples=4)
    ThroughputCounter.objects.create(round=t.round, site=other, table_no=1, hour=morning, samples=2)
    client_for(client, t.manager)
    response = client.get(
        reverse("testing:progress", kwargs={"round_id": t.round.pk}), {"unit": world.village.pk}
    )
    data = response.context["progress"]
    labels = [row["short"] for row in data["tables"]]
    assert len(set(labels)) == len(labels) == 4
    assert all(len(label) <= 12 for label in labels), labels
    assert all(row["name"].startswith(("冢刘村文化广场", "冢刘村文化广场西")) for row in data["tables"])
    assert {s["short"] for s in data["sites"]} == {"文化广场", "文化广场西"}
    times = [datetime.fromisoformat(x) for x in data["times"]]
    assert all(x.tzinfo is not None for x in times) and times == sorted(times)
    assert len(times) == len(data["hours"]) == len(data["sampled"])
    at = times.index(evening)
    assert times[at + 1] - times[at] == timedelta(hours=18)
    api_data = api(client, f"{t.round.pk}/progress", unit_id=world.village.pk).json()
    assert api_data["times"] == data["times"] and [r["short"] for r in api_data["tables"]] == labels


def test_sites_outside_the_scope_are_not_charted(client, sampled, world, grid_leader_a):
    t = sampled
    client_for(client, grid_leader_a)
    response = client.get(reverse("testing:progress", kwargs={"round_id": t.round.pk}))
    data = response.context["progress"]
    assert data["sites"] == [] and data["tables"] == []
    assert t.site.name not in response.content.decode()
    # The grid's own people sampled over time instead.
    assert data["source"] == "people" and data["cumulative"][-1] == 5


# ------------------------------------------------------------------------------- recount


def test_recount_finds_no_difference_then_repairs_a_broken_counter(client, sampled, world):
    t = sampled
    client_for(client, t.manager)
    url = reverse("testing:coverage_recount", kwargs={"round_id": t.round.pk})
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 200
    assert response.context["diffs"] == [] and 'data-testid="no-differences"' in response.content.decode()

    CoverageCounter.objects.filter(round=t.round, grid=world.grid_a).update(tested=0)
    response = client.post(url)
    diffs = response.context["diffs"]
    assert [(d.grid_id, d.field, d.recounted) for d in diffs] == [(world.grid_a.pk, "tested", 5)]
    assert counters.counted(t.round.pk) != counters.full_recount(t.round.pk)  # compare only

    response = client.post(url, {"rebuild": "1"})
    assert response.context["rebuilt"] and response.context["remaining"] == []
    assert counters.counted(t.round.pk) == counters.full_recount(t.round.pk)
    events = AuditEvent.objects.filter(after__coverage_recount=True).order_by("id")
    assert [(e.after["differences"], e.after["rebuilt"]) for e in events] == [
        (0, False),
        (1, False),
        (1, True),
    ]


def test_recount_is_for_the_organising_unit_with_manage(client, sampled, world, office_leader, grid_leader_a):
    url = reverse("testing:coverage_recount", kwargs={"round_id": sampled.round.pk})
    client_for(client, grid_leader_a)  # no TESTING_MANAGE
    assert client.post(url).status_code == 403
    client_for(client, office_leader)  # manages, but the round is the district's
    assert client.post(url).status_code == 403
    assert not AuditEvent.objects.filter(after__coverage_recount=True).exists()
