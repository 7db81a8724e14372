"""Testing rounds in the demo district, run through the real services.

Round 1 (yesterday, 郑港办事处, 10-in-1): population built, one site per village with tables
sized by the page's guidance (one table per 600–800 people), the calling plan, 93% of the people
scanned into tubes in calling order, 1% away, 0.5% tested elsewhere, 0.3% bedridden (home
sampling), tubes sealed, boxed and handed over, results back: every pool negative except one
positive pool in 冢刘村, whose members are on the re-test list with alerts to their grid leaders;
six of them have been re-sampled and are negative. The round stays open: the coverage page shows
who is still missing.
Round 2 (tomorrow, the whole district, 20-in-1, IT产业园 10-in-1): planning, with population,
sites and a calling plan ready, to be run in the browser.
"""

from __future__ import annotations

import random
import time
import uuid
from collections import defaultdict
from datetime import datetime, timedelta

from django.utils import timezone

from wangge.accounts.models import User
from wangge.org.models import Level, OrgUnit
from wangge.registry.codes.services import make_token
from wangge.testing.checkin import services as checkin
from wangge.testing.checkin.services import ScanIn
from wangge.testing.models import (
    Due,
    DueStatus,
    ExemptReason,
    Result,
    RetestStatus,
    Round,
    RoundStatus,
    Sample,
    Site,
    Tube,
    TubeStatus,
)
from wangge.testing.results import services as results
from wangge.testing.rounds import services

# Above this many people the demo skips the testing rounds (the bench builds its own).
MAX_PEOPLE_FOR_ROUNDS = 60_000
PEOPLE_PER_TABLE = 700


def _at(day: datetime, hour: int, minute: int = 0) -> datetime:
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0)


class TestingDemo:
    def __init__(self, *, seed: int):
        self.rng = random.Random(seed + 4)
        self.admin = User.objects.get(username="admin")
        self.seconds = 0.0
        self.summary: dict[str, int] = {}

    def build(self) -> dict[str, int]:
        started = time.perf_counter()
        today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        self.round_one(today - timedelta(days=1))
        self.round_two(today + timedelta(days=1))
        self.seconds = time.perf_counter() - started
        return self.summary

    # ----------------------------------------------------------------------------- sites

    def sites_for(
        self, rnd: Round, office: OrgUnit, day: datetime, pool_size: int | None = None
    ) -> list[Site]:
        villages = OrgUnit.objects.filter(
            path__startswith=office.path, level=Level.VILLAGE, closed_at__isnull=True
        )
        due_by_grid = defaultdict(int)
        for grid_id in Due.objects.filter(round=rnd, path__startswith=office.path).values_list(
            "grid_id", flat=True
        ):
            due_by_grid[grid_id] += 1
        out = []
        for village in villages.order_by("path"):
            grids = list(
                OrgUnit.objects.filter(
                    path__startswith=village.path, level=Level.GRID, closed_at__isnull=True
                )
            )
            people = sum(due_by_grid[g.pk] for g in grids)
            if not grids or not people:
                continue
            site = Site.objects.create(
                round=rnd,
                name=f"{village.name}核酸采样点",
                unit=village,
                path=village.path,
                address=f"{village.name}党群服务中心广场",
                tables=max(1, round(people / PEOPLE_PER_TABLE)),
                opens_at=_at(day, 7),
                closes_at=_at(day, 19),
                pool_size=pool_size,
            )
            site.grids.set(grids)
            out.append(site)
        self._staff_and_checks(out)
        return out

    def _staff_and_checks(self, sites: list[Site]) -> None:
        from wangge.testing.models import ChecklistItem, SiteCheck, SiteStaff

        roles = list(ChecklistItem.objects.filter(kind="staff_role", is_active=True))
        items = list(ChecklistItem.objects.filter(kind="readiness", is_active=True))
        staff_rows, checks = [], []
        for i, site in enumerate(sites):
            for j, role in enumerate(roles):
                staff_rows.append(
                    SiteStaff(site=site, role=role, name=f"{role.name}{i + 1}-{j + 1}", table_no=None)
                )
            # The last site of each round is not ready yet: flagged, not hidden.
            ticked = items if i < len(sites) - 1 else items[: max(0, len(items) - 3)]
            checks.extend(SiteCheck(site=site, item=item) for item in ticked)
        SiteStaff.objects.bulk_create(staff_rows)
        SiteCheck.objects.bulk_create(checks)

    def plan(self, rnd: Round) -> None:
        try:
            from wangge.testing.calling.services import build_plan
        except ImportError:  # pragma: no cover - the plan is optional in the demo
            return
        build_plan(actor=self.admin, round=rnd)

    # ----------------------------------------------------------------------------- round 1

    def round_one(self, day: datetime) -> None:
        office = OrgUnit.objects.get(code="GK-ZG")
        rnd = services.create_round(
            actor=self.admin,
            name=f"郑港办事处第{day:%m%d}轮全员核酸",
            owner=office,
            starts_at=_at(day, 7),
            ends_at=_at(day, 19),
            areas=[(office, 10)],
            default_pool_size=10,
        )
        services.build_population(actor=self.admin, round=rnd)
        sites = self.sites_for(rnd, office, day)
        self.plan(rnd)
        self.exemptions(rnd)
        services.set_status(actor=self.admin, round=rnd, status=RoundStatus.OPEN)
        rnd.refresh_from_db()
        for site in sites:
            site.round = rnd
            self.scan_site(rnd, site, day)
        self.seal_and_ship(rnd, sites, day)
        self.lab_results(rnd, day)
        self.summary.update(
            round_one_due=Due.objects.filter(round=rnd).count(),
            round_one_sampled=Sample.objects.filter(
                round=rnd, removed_at__isnull=True, is_retest=False
            ).count(),
            round_one_tubes=Tube.objects.filter(round=rnd).count(),
            round_one_sites=len(sites),
        )

    def exemptions(self, rnd: Round) -> None:
        dues = list(Due.objects.filter(round=rnd).order_by("id").values_list("id", flat=True))
        self.rng.shuffle(dues)
        n = len(dues)
        away, elsewhere, bedridden = (
            dues[: n // 100],
            dues[n // 100 : n // 100 + n // 200],
            dues[-(n // 300 or 1) :],
        )
        for ids, reason in ((away, ExemptReason.AWAY), (elsewhere, ExemptReason.TESTED_ELSEWHERE)):
            for due in Due.objects.filter(pk__in=ids):
                services.set_exemption(actor=self.admin, due=due, reason=reason, note="")
        for due in Due.objects.filter(pk__in=bedridden):
            services.set_home_sampling(actor=self.admin, due=due, home=True, note="卧床")

    def scan_site(self, rnd: Round, site: Site, day: datetime) -> None:
        """93% of the site's people come, in building/unit/floor order, spread over the tables."""
        dues = list(
            Due.objects.filter(
                round=rnd, grid__in=site.grids.all(), status=DueStatus.DUE, home_sampling=False
            )
            .select_related("person")
            .order_by("building_id", "unit_label", "floor", "id")
        )
        coming = [d for d in dues if self.rng.random() < 0.94]
        per_table: dict[int, list] = defaultdict(list)
        for i, due in enumerate(coming):
            per_table[1 + i % site.tables].append(due)
        start = _at(day, 7, 30)
        for table, queue in per_table.items():
            scans = []
            for i, due in enumerate(queue):
                tube = f"ZG{site.pk:03d}{table:02d}{i // 10:04d}"
                at = start + timedelta(seconds=i * 55 + self.rng.randint(0, 20))
                if self.rng.random() < 0.08:  # the code would not scan: the ID number was typed
                    scans.append(
                        ScanIn(
                            client_id=uuid.uuid4(), tube=tube, id_number=due.person.id_number, scanned_at=at
                        )
                    )
                else:
                    scans.append(
                        ScanIn(client_id=uuid.uuid4(), tube=tube, code=make_token(due.person), scanned_at=at)
                    )
            for k in range(0, len(scans), 200):
                checkin.ingest(actor=self.admin, site=site, table_no=table, scans=scans[k : k + 200])

    def seal_and_ship(self, rnd: Round, sites: list[Site], day: datetime) -> None:
        for tube in Tube.objects.filter(round=rnd, status=TubeStatus.OPEN, filled__gt=0):
            checkin.seal_tube(actor=self.admin, tube=tube)
        try:
            from wangge.testing.transport import services as transport
        except ImportError:  # pragma: no cover
            return
        for s, site in enumerate(sites):
            barcodes = list(
                Tube.objects.filter(round=rnd, site=site, status=TubeStatus.SEALED)
                .order_by("barcode")
                .values_list("barcode", flat=True)
            )
            last = (len(barcodes) - 1) // 40
            for n, k in enumerate(range(0, len(barcodes), 40)):
                box = transport.create_box(actor=self.admin, site=site, code=f"BOX{site.pk:03d}{n + 1:03d}")
                transport.add_tubes(actor=self.admin, box=box, barcodes=barcodes[k : k + 40])
                left = _at(day, 9 + n % 8, 15)
                transport.handover(
                    actor=self.admin,
                    box=box,
                    stage="site_to_transport",
                    at=left,
                    from_name="登记扫码员",
                    to_name="转运员",
                )
                if not (s == 0 and n == last):  # the first site's last box is still on the way: late
                    transport.handover(
                        actor=self.admin,
                        box=box,
                        stage="transport_to_lab",
                        at=left + timedelta(minutes=50 + n % 90),
                        from_name="转运员",
                        to_name="检测机构收样员",
                    )

    def lab_results(self, rnd: Round, day: datetime) -> None:
        tubes = list(
            Tube.objects.filter(round=rnd, status=TubeStatus.SEALED).select_related("site").order_by("id")
        )
        if not tubes:
            return
        # The positive pool is one the lab received: a result for a tube still on the way is refused.
        received = results.received_boxes({t.box_id for t in tubes if t.box_id})
        at_lab = [t for t in tubes if t.box_id in received] or tubes
        positive = next((t for t in at_lab if t.site.name.startswith("冢刘村") and t.filled >= 8), at_lab[0])
        rows = [
            results.ResultRow(
                barcode=t.barcode,
                result=Result.POSITIVE if t.pk == positive.pk else Result.NEGATIVE,
                reported_at=_at(day, 20),
            )
            for t in tubes
        ]
        results.record_results(
            actor=self.admin, round=rnd, rows=rows, lab="航空港区核酸检测基地", source="file"
        )
        # Six of the pool's members re-sampled one by one and negative; the rest still to do.
        retests = list(rnd.retests.filter(status=RetestStatus.OPEN).select_related("person", "due")[:6])
        site = positive.site
        barcodes = []
        for i, retest in enumerate(retests):
            barcode = f"RT{positive.pk:05d}{i:02d}"
            checkin.ingest(
                actor=self.admin,
                site=site,
                table_no=1,
                scans=[
                    ScanIn(client_id=uuid.uuid4(), tube=barcode, code=make_token(retest.person), retest=True)
                ],
            )
            checkin.seal_tube(actor=self.admin, tube=Tube.objects.get(round=rnd, barcode=barcode))
            barcodes.append(barcode)
        if barcodes:
            # The re-test tubes go to the lab in their own box: the lab records results only for
            # tubes it received.
            from wangge.testing.transport import services as transport

            box = transport.create_box(actor=self.admin, site=site, code=f"RTBOX{positive.pk:05d}")
            transport.add_tubes(actor=self.admin, box=box, barcodes=barcodes)
            for stage, at, names in (
                ("site_to_transport", _at(day, 21), ("登记扫码员", "转运员")),
                ("transport_to_lab", _at(day, 22), ("转运员", "检测机构收样员")),
            ):
                transport.handover(
                    actor=self.admin, box=box, stage=stage, at=at, from_name=names[0], to_name=names[1]
                )
        for barcode in barcodes:
            results.record_results(
                actor=self.admin,
                round=rnd,
                rows=[results.ResultRow(barcode=barcode, result=Result.NEGATIVE, reported_at=_at(day, 23))],
                lab="航空港区核酸检测基地",
            )
        self.summary["round_one_positive_pool_members"] = positive.filled

    # ----------------------------------------------------------------------------- round 2

    def round_two(self, day: datetime) -> None:
        district = OrgUnit.objects.get(code="GK")
        it_park = OrgUnit.objects.filter(code="GK-IT").first()
        areas = [(district, 20)] + ([(it_park, 10)] if it_park else [])
        rnd = services.create_round(
            actor=self.admin,
            name=f"航空港区第{day:%m%d}轮全员核酸",
            owner=district,
            starts_at=_at(day, 7),
            ends_at=_at(day, 19),
            areas=areas,
            default_pool_size=20,
        )
        services.build_population(actor=self.admin, round=rnd)
        sites = []
        for office in OrgUnit.objects.filter(
            parent=district, level=Level.OFFICE, closed_at__isnull=True
        ).order_by("path"):
            sites.extend(self.sites_for(rnd, office, day, pool_size=10 if office == it_park else None))
        self.plan(rnd)
        self.summary.update(round_two_due=Due.objects.filter(round=rnd).count(), round_two_sites=len(sites))


def build_testing_demo(*, seed: int) -> TestingDemo:
    demo = TestingDemo(seed=seed)
    demo.build()
    return demo


def wipe_testing() -> None:
    """Delete every testing row (for tests that rebuild the demo)."""
    from django.db import connection

    from wangge.testing import models as t

    for model in (
        t.Retest,
        t.Alert,
        t.ResultReport,
        t.Handover,
        t.Sample,
        t.Tube,
        t.Box,
        t.NoticeDelivery,
        t.Notice,
        t.CallSlot,
        t.CoverageCounter,
        t.ThroughputCounter,
        t.Due,
        t.SiteCheck,
        t.SiteStaff,
        t.Site.grids.through,
        t.Site.buildings.through,
        t.Site,
        t.RoundGroup,
        t.RoundArea,
        t.Round,
        t.OutboxMessage,
    ):
        model.objects.all()._raw_delete(connection.alias)
