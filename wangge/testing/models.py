"""Mass testing rounds: who is due, where they go and when, tubes and check-ins, transport,
results and coverage.

Every table that holds personal data copies the person's grid path (`path`) for prefix scoping;
tables about a site copy the site's unit path. Counts for coverage are kept as scans arrive in
`CoverageCounter` (sharded rows per grid, so fifty tables scanning at once do not queue on one
row) and can always be recomputed from `Due` (services.recount_coverage).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

POOL_SIZES = (1, 5, 10, 20)
# Lazy labels (translated when shown, not when the models load).
POOL_SIZE_CHOICES = [
    (1, _("single tube")),
    (5, format_lazy(_("{n}-in-1"), n=5)),
    (10, format_lazy(_("{n}-in-1"), n=10)),
    (20, format_lazy(_("{n}-in-1"), n=20)),
]
COUNTER_SHARDS = 8


class ChecklistKind(models.TextChoices):
    READINESS = "readiness", _("Readiness item (十一个一)")
    STAFF_ROLE = "staff_role", _("Site staff role (六大员)")


class ChecklistItem(models.Model):
    """The configurable lists: the readiness checklist and the site staff roles."""

    kind = models.CharField(_("list"), max_length=16, choices=ChecklistKind.choices)
    name = models.CharField(pgettext_lazy("item", "name"), max_length=80)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["kind", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="checklist_item_unique_name")]

    def __str__(self) -> str:
        return self.name


class RoundKind(models.TextChoices):
    MASS = "mass", _("Mass testing (全员核酸)")
    AREA = "area", _("Area testing (区域核酸)")
    KEY_PEOPLE = "key_people", _("Key-people testing (重点人群核酸)")


class RoundStatus(models.TextChoices):
    PLANNING = "planning", _("Planning")
    OPEN = "open", _("Sampling")
    CLOSED = "closed", pgettext_lazy("round status", "Closed")


class Round(models.Model):
    name = models.CharField(pgettext_lazy("round", "name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=RoundKind.choices, default=RoundKind.MASS)
    status = models.CharField(
        _("status"), max_length=16, choices=RoundStatus.choices, default=RoundStatus.PLANNING
    )
    owner = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("organised by"), on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    default_pool_size = models.PositiveSmallIntegerField(
        _("default pool size"), choices=POOL_SIZE_CHOICES, default=10
    )
    rate_per_table_hour = models.PositiveSmallIntegerField(_("expected swabs per table per hour"), default=60)
    queue_target = models.PositiveSmallIntegerField(_("longest queue per table (people)"), default=20)
    window_minutes = models.PositiveSmallIntegerField(_("calling window (minutes)"), default=30)
    box_limit_hours = models.PositiveSmallIntegerField(_("hours allowed from site to lab"), default=4)
    population_built_at = models.DateTimeField(null=True, blank=True, editable=False)
    path = models.CharField(max_length=255, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return self.name


class RoundArea(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="areas")
    unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    pool_size = models.PositiveSmallIntegerField(
        _("pool size"), choices=POOL_SIZE_CHOICES, null=True, blank=True
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "unit"], name="round_area_unique")]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.pool_size or '-'}"


class RoundGroup(models.Model):
    """People added to a round by category (key people, a company list…), with their pool size."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(pgettext_lazy("group", "name"), max_length=80)
    pool_size = models.PositiveSmallIntegerField(_("pool size"), choices=POOL_SIZE_CHOICES, default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "name"], name="round_group_unique")]

    def __str__(self) -> str:
        return self.name


class DueStatus(models.TextChoices):
    DUE = "due", _("Not yet sampled")
    TESTED = "tested", _("Sampled")
    EXEMPT = "exempt", _("Exempt")


class ExemptReason(models.TextChoices):
    AWAY = "away", _("Away from the district")
    TESTED_ELSEWHERE = "tested_elsewhere", _("Tested elsewhere")
    INFANT = "infant", _("Infant")
    OTHER = "other", _("Other")


class DueSource(models.TextChoices):
    AREA = "area", _("Lives in the area")
    GROUP = "group", _("Added by category")
    SITE = "site", _("Came to a site")
    MEASURE = "measure", _("Under a control measure")


class Result(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    POSITIVE = "positive", _("Positive")
    INVALID = "invalid", _("Invalid")


class PersonResult(models.TextChoices):
    NONE = "", _("No result yet")
    NEGATIVE = "negative", _("Negative")
    POSITIVE = "positive", _("Positive")
    POOL_POSITIVE = "pool_positive", _("Pool positive: re-test")
    POOL_INVALID = "pool_invalid", _("Pool invalid: re-test")


class Due(models.Model):
    """One person due in a round. The coverage of a round is the set of these rows."""

    # No index of its own: round_id leads the unique (round, person) and both indexes below.
    # A district's population is a million rows written at once; each index is felt.
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="dues", db_index=False)
    # No foreign-key constraint in the database: checking it locks every person row of the
    # district while a round's population is built (more than half of that build's time at a
    # million people). The rows are selected from the people themselves, the platform never
    # deletes a person (they depart or are merged, and PROTECT refuses it in the ORM), and on
    # PostgreSQL a trigger refuses deleting a person who is due (migration 0007).
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="testing_dues", db_constraint=False
    )
    grid = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, related_name="+")
    building = models.ForeignKey(
        "registry.Building", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit_label = models.CharField(_("unit (单元)"), max_length=20, blank=True)
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    pool_size = models.PositiveSmallIntegerField(_("pool size"), default=10)
    source = models.CharField(_("why due"), max_length=16, choices=DueSource.choices, default=DueSource.AREA)
    group = models.ForeignKey(
        RoundGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )  # indexed where set only (due_group): most people are due by area, with no group
    status = models.CharField(_("status"), max_length=8, choices=DueStatus.choices, default=DueStatus.DUE)
    exempt_reason = models.CharField(_("reason"), max_length=20, choices=ExemptReason.choices, blank=True)
    exempt_note = models.CharField(_("note"), max_length=200, blank=True)
    home_sampling = models.BooleanField(_("sample at home (bedridden)"), default=False)
    tested_at = models.DateTimeField(_("sampled at"), null=True, blank=True)
    result = models.CharField(
        _("result"), max_length=16, choices=PersonResult.choices, blank=True, default=""
    )
    result_at = models.DateTimeField(_("result at"), null=True, blank=True)
    retest_needed = models.BooleanField(_("re-test needed"), default=False)
    path = models.CharField(max_length=255, editable=False)

    class Meta:
        verbose_name = _("person due in a round")
        verbose_name_plural = _("entries on a round's list of people due")
        constraints = [models.UniqueConstraint(fields=["round", "person"], name="due_unique_person")]
        indexes = [
            models.Index(
                fields=["round", "path", "status"],
                name="due_round_path",
                opclasses=["", "varchar_pattern_ops", ""],
            ),
            models.Index(fields=["round", "building"], name="due_round_building"),
            models.Index(fields=["group"], name="due_group", condition=models.Q(group__isnull=False)),
            # The exempt (a few in a hundred) counted by reason and listed, without reading the rest.
            models.Index(
                fields=["round", "path"],
                name="due_round_exempt",
                opclasses=["", "varchar_pattern_ops"],
                condition=models.Q(status="exempt"),
            ),
        ]

    def __str__(self) -> str:
        return str(
            _("Person #%(person)s due in round #%(round)s")
            % {"person": self.person_id, "round": self.round_id}
        )


class CoverageCounter(models.Model):
    """Running counts per grid, kept in the same transaction as every change of a Due row."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    grid = models.ForeignKey("org.OrgUnit", on_delete=models.CASCADE, related_name="+")
    shard = models.PositiveSmallIntegerField(default=0)
    path = models.CharField(max_length=255)
    due = models.IntegerField(default=0)
    tested = models.IntegerField(default=0)
    exempt = models.IntegerField(default=0)
    resulted = models.IntegerField(default=0)
    positive = models.IntegerField(default=0)
    retest = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "grid", "shard"], name="coverage_counter_unique")
        ]
        indexes = [
            models.Index(
                fields=["round", "path"], name="counter_round_path", opclasses=["", "varchar_pattern_ops"]
            )
        ]

    def __str__(self) -> str:
        return f"counter {self.round_id}/{self.grid_id}/{self.shard}"


class ThroughputCounter(models.Model):
    """Samples per site, table and hour, kept as scans arrive (for the charts)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey("Site", on_delete=models.CASCADE, related_name="+")
    table_no = models.PositiveSmallIntegerField()
    hour = models.DateTimeField()
    samples = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "site", "table_no", "hour"], name="throughput_unique")
        ]

    def __str__(self) -> str:
        return f"{self.site_id}#{self.table_no} {self.hour:%H}h"


class Site(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(pgettext_lazy("site", "name"), max_length=100)
    unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("located in"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    tables = models.PositiveSmallIntegerField(_("tables (sampling groups)"), default=1)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    pool_size = models.PositiveSmallIntegerField(
        _("pool size at this site"), choices=POOL_SIZE_CHOICES, null=True, blank=True
    )
    grids = models.ManyToManyField(
        "org.OrgUnit", verbose_name=_("grids served"), blank=True, related_name="+"
    )
    buildings = models.ManyToManyField(
        "registry.Building", verbose_name=_("buildings served"), blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    path = models.CharField(max_length=255, editable=False)

    class Meta:
        ordering = ["round", "path", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "name"], name="site_unique_name")]

    def __str__(self) -> str:
        return self.name


class SiteStaff(models.Model):
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="staff")
    role = models.ForeignKey(
        ChecklistItem,
        verbose_name=_("role"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": ChecklistKind.STAFF_ROLE},
    )
    staff = models.ForeignKey(
        "roster.StaffMember", verbose_name=_("staff member"), null=True, blank=True, on_delete=models.SET_NULL
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=60)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    table_no = models.PositiveSmallIntegerField(_("table"), null=True, blank=True)

    class Meta:
        ordering = ["role__position", "table_no", "name"]

    def __str__(self) -> str:
        return self.name


class SiteCheck(models.Model):
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="checks")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "item"], name="site_check_unique")]

    def __str__(self) -> str:
        return f"{self.site_id}: {self.item_id}"


class SlotKind(models.TextChoices):
    FLOOR = "floor", _("Building, unit and floor")
    BUILDING = "building", _("Whole building")
    EMPLOYER = "employer", _("Company")
    GRID = "grid", _("Other residents of a grid")


class CallSlot(models.Model):
    """One batch of the calling plan: these people, to this site, in this window."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="slots")
    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="slots")
    kind = models.CharField(max_length=10, choices=SlotKind.choices)
    grid = models.ForeignKey("org.OrgUnit", on_delete=models.CASCADE, related_name="+")
    building = models.ForeignKey(
        "registry.Building", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    unit_label = models.CharField(max_length=20, blank=True)
    floor = models.SmallIntegerField(null=True, blank=True)
    employer = models.CharField(max_length=200, blank=True)
    label = models.CharField(_("batch"), max_length=250)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    people = models.PositiveIntegerField(_("people"), default=0)
    edited = models.BooleanField(default=False, editable=False)
    path = models.CharField(max_length=255, editable=False)

    class Meta:
        ordering = ["round", "site", "starts_at", "label", "id"]

    def __str__(self) -> str:
        return self.label


class Notice(models.Model):
    """A notice sent for one batch of the plan."""

    slot = models.ForeignKey(CallSlot, on_delete=models.CASCADE, related_name="notices")
    channel = models.CharField(max_length=30)
    text = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"notice {self.pk}"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    NO_PHONE = "no_phone", _("No phone number")


class NoticeDelivery(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries")
    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    detail = models.CharField(max_length=200, blank=True)
    provider_id = models.CharField(max_length=80, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    path = models.CharField(max_length=255, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notice", "person"], name="delivery_unique")]

    def __str__(self) -> str:
        return f"delivery {self.pk}"


class TubeKind(models.TextChoices):
    POOL = "pool", _("Pooled")
    SINGLE = "single", _("Single")
    RETEST = "retest", _("Re-test (single)")


class TubeStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("tube", "Open")
    SEALED = "sealed", _("Sealed")


class Tube(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="tubes")
    barcode = models.CharField(_("tube barcode"), max_length=40)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="tubes")
    table_no = models.PositiveSmallIntegerField(_("table"), default=1)
    kind = models.CharField(_("kind"), max_length=8, choices=TubeKind.choices, default=TubeKind.POOL)
    capacity = models.PositiveSmallIntegerField(_("places"), default=10)
    filled = models.PositiveSmallIntegerField(_("people"), default=0)
    status = models.CharField(_("status"), max_length=8, choices=TubeStatus.choices, default=TubeStatus.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    sealed_at = models.DateTimeField(_("sealed at"), null=True, blank=True)
    box = models.ForeignKey("Box", null=True, blank=True, on_delete=models.SET_NULL, related_name="tubes")
    result = models.CharField(_("result"), max_length=10, choices=Result.choices, blank=True)
    result_at = models.DateTimeField(_("result at"), null=True, blank=True)
    result_conflict = models.BooleanField(_("conflicting results"), default=False)
    path = models.CharField(max_length=255, editable=False)

    class Meta:
        ordering = ["round", "site", "table_no", "opened_at", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "barcode"], name="tube_unique_barcode")]

    def __str__(self) -> str:
        return self.barcode

    @property
    def places_left(self) -> int:
        return max(0, self.capacity - self.filled)


class SampleMethod(models.TextChoices):
    CODE = "code", _("Personal code scanned")
    ID_TYPED = "id_typed", _("ID number typed")
    WALK_IN = "walk_in", _("Registered at the site")


class Sample(models.Model):
    """One person put into one tube: a check-in. The id is generated by the registrar's phone,
    so a replayed upload is recognised and never stored twice."""

    client_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    tube = models.ForeignKey(Tube, on_delete=models.PROTECT, related_name="samples")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="testing_samples")
    due = models.ForeignKey(Due, on_delete=models.PROTECT, related_name="samples")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    table_no = models.PositiveSmallIntegerField(default=1)
    is_retest = models.BooleanField(default=False)
    method = models.CharField(max_length=10, choices=SampleMethod.choices, default=SampleMethod.CODE)
    scanned_at = models.DateTimeField(_("scanned at"))
    received_at = models.DateTimeField(default=timezone.now)
    registrar = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_reason = models.CharField(max_length=200, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    path = models.CharField(max_length=255, editable=False)

    class Meta:
        constraints = [
            # The same person twice in a round is refused, except in a re-test tube.
            models.UniqueConstraint(
                fields=["round", "person"],
                condition=Q(removed_at__isnull=True, is_retest=False),
                name="sample_once_per_round",
            )
        ]
        # No index of its own on the tube: the foreign key's index serves (a second one on the
        # same column cost every check-in one more index write).

    def __str__(self) -> str:
        return str(self.client_id)


class BoxStatus(models.TextChoices):
    PACKING = "packing", _("Packing at the site")
    IN_TRANSIT = "in_transit", _("On the way")
    RECEIVED = "received", _("Received by the lab")


class Box(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="boxes")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="boxes")
    code = models.CharField(_("box code"), max_length=40)
    status = models.CharField(
        _("status"), max_length=12, choices=BoxStatus.choices, default=BoxStatus.PACKING
    )
    created_at = models.DateTimeField(default=timezone.now)
    left_site_at = models.DateTimeField(_("left the site"), null=True, blank=True)
    received_at = models.DateTimeField(_("received by the lab"), null=True, blank=True)
    path = models.CharField(max_length=255, editable=False)

    class Meta:
        ordering = ["round", "site", "created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "code"], name="box_unique_code")]

    def __str__(self) -> str:
        return self.code


class HandoverStage(models.TextChoices):
    SITE_TO_TRANSPORT = "site_to_transport", _("Site → transporter")
    TRANSPORT_TO_LAB = "transport_to_lab", _("Transporter → lab")


class Handover(models.Model):
    box = models.ForeignKey(Box, on_delete=models.CASCADE, related_name="handovers")
    stage = models.CharField(_("stage"), max_length=20, choices=HandoverStage.choices)
    at = models.DateTimeField(_("handed over at"))
    from_name = models.CharField(_("handed over by"), max_length=60)
    to_name = models.CharField(_("received by"), max_length=60)
    tube_barcodes = models.JSONField(default=list)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["box", "at", "id"]
        constraints = [models.UniqueConstraint(fields=["box", "stage"], name="handover_once_per_stage")]

    def __str__(self) -> str:
        return f"{self.box_id} {self.stage}"


class ResultSource(models.TextChoices):
    FILE = "file", _("File")
    API = "api", _("API")
    WEB = "web", _("Typed in")


class ResultReport(models.Model):
    """Every result the lab sent, kept even when it conflicts with an earlier one."""

    tube = models.ForeignKey(Tube, on_delete=models.CASCADE, related_name="reports")
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    reported_at = models.DateTimeField(_("reported at"))
    lab = models.CharField(_("lab"), max_length=100, blank=True)
    source = models.CharField(max_length=8, choices=ResultSource.choices)
    applied = models.BooleanField(default=False)
    conflict = models.BooleanField(default=False)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    # How a conflict was settled: the result that stands and why.
    result_kept = models.CharField(_("result that stands"), max_length=10, choices=Result.choices, blank=True)
    resolution_note = models.CharField(_("how it was settled"), max_length=200, blank=True)
    # A result recorded for a tube the lab had not received (its box not handed over to the lab):
    # only by a role allowed to, and only with the reason.
    unreceived_reason = models.CharField(
        _("recorded before the lab received the tube, because"), max_length=200, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["tube", "recorded_at", "id"]
        constraints = [
            # A contradicting result is one conflict, however many times the same file comes back.
            models.UniqueConstraint(
                fields=["tube", "result"], condition=Q(conflict=True), name="report_one_conflict_per_result"
            )
        ]

    def __str__(self) -> str:
        return f"{self.tube_id}: {self.result}"


class RetestStatus(models.TextChoices):
    OPEN = "open", _("To re-sample")
    SAMPLED = "sampled", _("Re-sampled")
    DONE = "done", _("Result back")


class Retest(models.Model):
    """A single-tube re-test (单采复核) opened for a member of a positive or invalid pool."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="retests")
    due = models.ForeignKey(Due, on_delete=models.CASCADE, related_name="retests")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    origin_tube = models.ForeignKey(Tube, on_delete=models.PROTECT, related_name="retests_opened")
    reason = models.CharField(max_length=10, choices=Result.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=RetestStatus.choices, default=RetestStatus.OPEN
    )
    sample = models.ForeignKey(Sample, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    result = models.CharField(_("result"), max_length=10, choices=Result.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    path = models.CharField(max_length=255, editable=False)

    class Meta:
        ordering = ["round", "path", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["origin_tube", "person"], name="retest_once_per_origin")
        ]

    def __str__(self) -> str:
        return str(_("Re-test of person #%(person)s") % {"person": self.person_id})


class Alert(models.Model):
    """A positive or invalid pool, told to the grid leaders of each member's grid."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="alerts")
    grid = models.ForeignKey("org.OrgUnit", on_delete=models.CASCADE, related_name="+")
    tube = models.ForeignKey(Tube, on_delete=models.CASCADE, related_name="alerts")
    result = models.CharField(max_length=10, choices=Result.choices)
    people = models.PositiveIntegerField(default=0)
    recipients = models.JSONField(default=list)  # [{"staff_id", "name", "status"}]
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    path = models.CharField(max_length=255, editable=False)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["tube", "grid"], name="alert_once_per_grid")]

    def __str__(self) -> str:
        return str(
            _("Alert on tube #%(tube)s in grid #%(grid)s") % {"tube": self.tube_id, "grid": self.grid_id}
        )


class OutboxMessage(models.Model):
    """What the default notice channel "sends": kept here to be read, retried or forwarded."""

    channel = models.CharField(max_length=30)
    phone = models.CharField(max_length=20, blank=True)
    text = models.TextField()
    ref = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    path = models.CharField(max_length=255, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"message {self.pk}"
