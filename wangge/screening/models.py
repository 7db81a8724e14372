"""Key people, risk areas, screening and control measures (重点人群、中高风险地区、摸排、管控措施).

Rules are data: key-people categories, the dated list of risk areas and the measure policies
(with their phases, test days and daily checks) are rows the district edits, each with a validity
period, never code. A screening record (摸排) is matched to one registry person; the rules propose
a measure; a person decides; confining measures are approved by a second person at office level.

The database itself refuses a measure without a basis, and an active or released measure without
a decision (and, when it confines a person, an approval by someone other than the decider).

Tables that hold personal data copy the person's grid path (`path`) for prefix scoping.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wangge.core.dated import DatedRule, period_ordered

# --- categories, risk areas, policies: the rules as data ------------------------------------


class MeasureKind(models.TextChoices):
    CENTRALISED = "centralised", _("Centralised quarantine (集中隔离)")
    HOME_QUARANTINE = "home_quarantine", _("Home quarantine (居家隔离)")
    HOME_MONITORING = "home_monitoring", _("Home health monitoring (居家健康监测)")
    ROUTINE_MONITORING = "routine_monitoring", _("Routine health monitoring (日常健康监测)")


# Measures that confine a person: they need an approval by a second person at office level.
CONFINING = frozenset({MeasureKind.CENTRALISED, MeasureKind.HOME_QUARANTINE})


class EntryWay(models.TextChoices):
    OCCUPATION = "occupation", _("By occupation or employer")
    TRAVEL = "travel", _("By travel")
    CONTACT = "contact", _("By contact")
    MANUAL = "manual", _("By hand")


class Category(models.Model):
    """A key-people category (重点人群): how often its people are tested and what is done with them."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(pgettext_lazy("category", "name"), max_length=60)
    test_interval_days = models.PositiveSmallIntegerField(
        _("test every (days; 0: no routine test)"), default=0
    )
    default_measure = models.CharField(
        _("default measure"), max_length=24, choices=MeasureKind.choices, blank=True
    )
    entry = models.CharField(
        _("how people enter it"), max_length=12, choices=EntryWay.choices, default=EntryWay.MANUAL
    )
    keywords = models.CharField(
        _("occupation / employer keywords (comma-separated)"), max_length=300, blank=True
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("key-people category")
        verbose_name_plural = _("key-people categories")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.replace("，", ",").split(",") if k.strip()]


class RiskLevel(models.TextChoices):
    MEDIUM = "medium", _("Medium risk")
    HIGH = "high", _("High risk")


class RiskArea(models.Model):
    """One medium- or high-risk area for a period. The list as it stood on any date is the rows
    valid on that date."""

    province = models.CharField(_("province"), max_length=40)
    city = models.CharField(_("city"), max_length=40, blank=True)
    county = models.CharField(_("county / district"), max_length=40, blank=True)
    township = models.CharField(_("township / street"), max_length=80, blank=True)
    level = models.CharField(_("level"), max_length=8, choices=RiskLevel.choices)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("risk area")
        verbose_name_plural = _("risk areas")
        ordering = ["province", "city", "county", "township", "-valid_from"]
        constraints = [
            period_ordered("risk_area_period_ordered"),
            models.UniqueConstraint(
                fields=["province", "city", "county", "township", "level", "valid_from"],
                name="risk_area_unique_listing",
            ),
        ]
        indexes = [models.Index(fields=["valid_from", "valid_to"], name="risk_area_period")]

    def __str__(self) -> str:
        # A municipality is its own city (北京市北京市朝阳区 reads 北京市朝阳区).
        city = "" if self.city == self.province else self.city
        return "".join(p for p in (self.province, city, self.county, self.township) if p)


class TriggerKind(models.TextChoices):
    CATEGORY = "category", _("Key-people category")
    TRAVEL = "travel", _("Travel from a risk area")


class MeasurePolicy(DatedRule):
    """A rule: for a category, or for arrivals from a risk area of a level within N days, this
    measure in these phases. Valid for a period; a newer version ends the old one."""

    name = models.CharField(pgettext_lazy("policy", "name"), max_length=100)
    trigger = models.CharField(_("applies to"), max_length=10, choices=TriggerKind.choices)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    risk_level = models.CharField(_("risk level"), max_length=8, choices=RiskLevel.choices, blank=True)
    within_days = models.PositiveSmallIntegerField(
        _("arrived within (days) of being in the area"), null=True, blank=True
    )
    priority = models.PositiveSmallIntegerField(
        _("priority (higher wins when several rules match)"), default=0
    )

    class Meta:
        verbose_name = _("measure rule")
        verbose_name_plural = _("measure rules")
        ordering = ["-valid_from", "-priority", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(trigger="category") & Q(category__isnull=False))
                | (Q(trigger="travel") & ~Q(risk_level="") & Q(within_days__isnull=False)),
                name="policy_trigger_complete",
            ),
            period_ordered("policy_period_ordered"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def total_days(self) -> int:
        return sum(p.days for p in self.phases.all())


class PolicyPhase(models.Model):
    """One phase of a rule: e.g. 7 days of centralised quarantine, tests on days 1, 2, 3, 5, 7."""

    policy = models.ForeignKey(MeasurePolicy, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(_("measure"), max_length=24, choices=MeasureKind.choices)
    days = models.PositiveSmallIntegerField(_("days"))
    test_days = models.JSONField(_("test on days"), default=list, blank=True)
    checks_per_day = models.PositiveSmallIntegerField(_("health checks per day"), default=2)

    class Meta:
        ordering = ["policy", "order"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "order"], name="policy_phase_order_unique"),
            models.CheckConstraint(condition=Q(days__gte=1), name="policy_phase_has_days"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.days}"


# --- screening ----------------------------------------------------------------------------


class ScreeningSource(models.TextChoices):
    DOOR_TO_DOOR = "door_to_door", _("Door-to-door round (摸排)")
    SELF_REPORT = "self_report", _("Self-report form")
    CHECKPOINT = "checkpoint", _("Checkpoint (卡点)")
    ASSIST_LIST = "assist_list", _("List sent down by a higher level (协查)")
    MANUAL = "manual", _("Entered by hand")


class ScreeningStatus(models.TextChoices):
    NEW = "new", _("New: to be assessed")
    PROPOSED = "proposed", _("Measure proposed")
    DECIDED = "decided", _("Measure decided")
    NO_MEASURE = "no_measure", _("No measure needed")


class ScreeningBatch(models.Model):
    """An imported list (a 协查 list sent down from above, a checkpoint's sheet): one file, its rows."""

    name = models.CharField(pgettext_lazy("batch", "name"), max_length=200)
    source = models.CharField(
        _("source"), max_length=16, choices=ScreeningSource.choices, default=ScreeningSource.ASSIST_LIST
    )
    reference = models.CharField(_("reference (协查函 number)"), max_length=100, blank=True)
    unit = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, related_name="+")
    original_name = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    total_rows = models.PositiveIntegerField(default=0)
    matched_rows = models.PositiveIntegerField(default=0)
    provisional_rows = models.PositiveIntegerField(default=0)
    merged_rows = models.PositiveIntegerField(default=0)
    outside_rows = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # [{"row": n, "error": "..."}]
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    path = models.CharField(max_length=255, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["path"], name="screen_batch_path", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name


class ScreeningRecord(models.Model):
    """One person screened for one trip or one category. Later sightings of the same person and
    trip (another list, the self-report, a checkpoint) are merged into it as ScreeningSighting rows.
    """

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="screenings")
    grid = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("first reported by"), max_length=16, choices=ScreeningSource.choices)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    came_from = models.CharField(_("came from"), max_length=200, blank=True)
    from_province = models.CharField(_("province"), max_length=40, blank=True)
    from_city = models.CharField(_("city"), max_length=40, blank=True)
    from_county = models.CharField(_("county / district"), max_length=40, blank=True)
    from_township = models.CharField(_("township / street"), max_length=80, blank=True)
    arrival_date = models.DateField(_("arrival date"), null=True, blank=True)
    left_area_on = models.DateField(_("left that area on"), null=True, blank=True)
    address = models.CharField(_("address in the district"), max_length=250, blank=True)
    contact_of = models.CharField(_("contact of (case or tube)"), max_length=200, blank=True)
    risk_area = models.ForeignKey(
        RiskArea,
        verbose_name=_("risk area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    risk_level = models.CharField(_("risk level"), max_length=8, choices=RiskLevel.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ScreeningStatus.choices, default=ScreeningStatus.NEW
    )
    dedupe_key = models.CharField(max_length=120, editable=False)
    batch = models.ForeignKey(
        ScreeningBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="records"
    )
    note = models.TextField(_("note"), blank=True)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    screened_at = models.DateTimeField(_("screened at"), default=timezone.now)
    path = models.CharField(max_length=255, editable=False)

    class Meta:
        verbose_name = _("screening record")
        verbose_name_plural = _("screening records")
        ordering = ["-screened_at", "-id"]
        constraints = [
            # The same person and trip (or category) is one record: reports of it merge.
            models.UniqueConstraint(fields=["dedupe_key"], name="screening_one_per_person_trip"),
        ]
        indexes = [
            models.Index(
                fields=["path", "screened_at"],
                name="screening_path_at",
                opclasses=["varchar_pattern_ops", ""],
            ),
            models.Index(fields=["person"], name="screening_person"),
        ]

    def __str__(self) -> str:
        return str(_("Screening record #%(pk)s") % {"pk": self.pk})


class ScreeningSighting(models.Model):
    """Each report that led to (or was merged into) a screening record, as it came in."""

    record = models.ForeignKey(ScreeningRecord, on_delete=models.CASCADE, related_name="sightings")
    source = models.CharField(max_length=16, choices=ScreeningSource.choices)
    batch = models.ForeignKey(
        ScreeningBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    row_no = models.PositiveIntegerField(null=True, blank=True)
    reported = models.JSONField(default=dict)  # what the report said (name, came_from, dates…)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return str(_("Sighting #%(pk)s") % {"pk": self.pk})


class SelfReport(models.Model):
    """A returnee's own report through the public form (no account). Kept as submitted, with the
    receipt number shown to them; `record` is the screening record it became."""

    receipt = models.CharField(max_length=16, unique=True, editable=False)
    request_key = models.UUIDField(unique=True, default=uuid.uuid4)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=60)
    id_type = models.CharField(_("ID type"), max_length=16, default="resident_id")
    id_number = models.CharField(_("ID number"), max_length=32)
    phone = models.CharField(_("phone"), max_length=20)
    came_from = models.CharField(_("came from"), max_length=200)
    arrival_date = models.DateField(_("arrival date"))
    village = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("address in the district"), max_length=250)
    record = models.ForeignKey(ScreeningRecord, null=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    path = models.CharField(max_length=255, editable=False)

    class Meta:
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return self.receipt


# --- measures -----------------------------------------------------------------------------


class MeasureStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    AWAITING_APPROVAL = "awaiting_approval", _("Decided, awaiting approval")
    ACTIVE = "active", _("In force")
    REJECTED = "rejected", _("Rejected")
    RELEASED = "released", _("Released")
    CANCELLED = "cancelled", _("Cancelled")
    # The person left the district while under the measure; the place they went to takes it on.
    HANDED_OVER = "handed_over", _("Handed over to where the person went")


class BasisKind(models.TextChoices):
    RULE = "rule", _("A measure rule")
    CONTACT = "contact", _("Contact with a case")
    POSITIVE_TUBE = "positive_tube", _("A positive tube")
    ORDER = "order", _("An order from a higher level")


class BulkOrder(models.Model):
    """A measure for many people at once (a building sealed, a list from above). It needs an
    approval at office level, which states how many people it covers."""

    name = models.CharField(pgettext_lazy("order", "name"), max_length=200)
    policy = models.ForeignKey(
        MeasurePolicy, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("measure"), max_length=24, choices=MeasureKind.choices)
    days = models.PositiveSmallIntegerField(_("days"), default=7)
    basis_kind = models.CharField(_("basis"), max_length=16, choices=BasisKind.choices)
    basis_text = models.TextField(_("basis in words"))
    people_count = models.PositiveIntegerField(_("people"), default=0)
    unit = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=20, choices=MeasureStatus.choices, default=MeasureStatus.AWAITING_APPROVAL
    )
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    rejected_reason = models.CharField(max_length=200, blank=True)
    path = models.CharField(max_length=255, editable=False)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(basis_text=""), name="bulk_order_has_basis"),
            models.CheckConstraint(
                condition=~Q(status="active")
                | (Q(approved_by__isnull=False) & ~Q(approved_by=F("proposed_by"))),
                name="bulk_order_approved_by_another",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Measure(models.Model):
    """A control measure on one person, with the basis it rests on, who proposed, who decided, who
    approved, and when. Its phases, test days and daily checks are copied from the rule when it is
    decided, so a later change of the rule does not rewrite a measure already in force."""

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="measures")
    grid = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, related_name="+")
    screening = models.ForeignKey(
        ScreeningRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="measures"
    )
    bulk = models.ForeignKey(
        BulkOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="measures"
    )
    policy = models.ForeignKey(
        MeasurePolicy,
        verbose_name=_("rule"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("measure"), max_length=24, choices=MeasureKind.choices)
    confining = models.BooleanField(default=False, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=MeasureStatus.choices, default=MeasureStatus.PROPOSED
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    place = models.CharField(_("where (quarantine hotel or home address)"), max_length=200, blank=True)
    # The basis: which rule and which facts it matched, or the contact, the positive tube, the order.
    basis_kind = models.CharField(_("basis"), max_length=16, choices=BasisKind.choices)
    basis_text = models.TextField(_("basis in words"))
    basis_facts = models.JSONField(_("facts matched"), default=dict, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # null: proposed by the rules when the screening came in
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approval_note = models.CharField(_("approval note"), max_length=300, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # who rejected, cancelled, released or handed it over
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(_("reason"), max_length=300, blank=True)
    handed_over_to = models.CharField(_("handed over to"), max_length=200, blank=True)
    release_notice_no = models.CharField(_("release notice number"), max_length=32, blank=True)
    # Follow-up state kept in step by the services: every day up to this one has its checks.
    checked_through = models.DateField(null=True, blank=True, editable=False)
    path = models.CharField(max_length=255, editable=False)

    class Meta:
        verbose_name = _("control measure")
        verbose_name_plural = _("control measures")
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(basis_text="") & ~Q(basis_kind=""), name="measure_has_basis"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="measure_period_ordered"),
            # In force, released or handed over only when decided, and, if it confines, approved by another person.
            models.CheckConstraint(
                condition=~Q(status__in=["active", "released", "handed_over"])
                | (
                    Q(decided_by__isnull=False)
                    & Q(decided_at__isnull=False)
                    & (
                        Q(confining=False)
                        | (
                            Q(approved_by__isnull=False)
                            & Q(approved_at__isnull=False)
                            & ~Q(approved_by=F("decided_by"))
                        )
                    )
                ),
                name="measure_decided_and_approved",
            ),
            models.CheckConstraint(
                condition=~Q(status="handed_over") | ~Q(handed_over_to=""),
                name="measure_handed_over_somewhere",
            ),
            # One open measure per person at a time.
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status__in=["proposed", "awaiting_approval", "active"]),
                name="measure_one_open_per_person",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "path"], name="measure_status_path", opclasses=["", "varchar_pattern_ops"]
            ),
            models.Index(fields=["person"], name="measure_person"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in (MeasureStatus.PROPOSED, MeasureStatus.AWAITING_APPROVAL, MeasureStatus.ACTIVE)


class MeasurePhase(models.Model):
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(_("measure"), max_length=24, choices=MeasureKind.choices)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    checks_per_day = models.PositiveSmallIntegerField(_("health checks per day"), default=2)

    class Meta:
        ordering = ["measure", "order"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "order"], name="measure_phase_order_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_on}–{self.ends_on}"


class TestOutcome(models.TextChoices):
    NONE = "", _("No result yet")
    NEGATIVE = "negative", _("Negative")
    POSITIVE = "positive", _("Positive")
    INVALID = "invalid", _("Invalid")


class MeasureTest(models.Model):
    """A test due under a measure on a set day. It is made due in testing (a key-people round of
    the day, `due`), and its result comes back from there, or is recorded by hand with its lab."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="tests")
    day_no = models.PositiveSmallIntegerField(_("day"))
    on_date = models.DateField(_("date"))
    due = models.ForeignKey("testing.Due", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    result = models.CharField(_("result"), max_length=10, choices=TestOutcome.choices, blank=True, default="")
    result_at = models.DateTimeField(_("result at"), null=True, blank=True)
    result_source = models.CharField(max_length=16, blank=True)  # "testing" or "hand"
    lab = models.CharField(_("lab"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    path = models.CharField(max_length=255, editable=False)

    class Meta:
        ordering = ["measure", "on_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "day_no"], name="measure_test_once_per_day")
        ]
        indexes = [
            models.Index(
                fields=["path", "on_date"],
                name="measure_test_path_date",
                opclasses=["varchar_pattern_ops", ""],
            ),
            models.Index(fields=["due"], name="measure_test_due"),
            # Tests still without a result, by date: the overdue tests of the overview.
            models.Index(fields=["on_date"], condition=Q(result=""), name="measure_test_open_date"),
        ]

    def __str__(self) -> str:
        return str(
            _("Test on day %(day)s of measure #%(measure)s")
            % {"day": self.day_no, "measure": self.measure_id}
        )


class Symptom(models.TextChoices):
    FEVER = "fever", _("Fever")
    COUGH = "cough", _("Cough")
    SORE_THROAT = "sore_throat", _("Sore throat")
    FATIGUE = "fatigue", _("Fatigue")
    TASTE_SMELL = "taste_smell", _("Loss of taste or smell")
    DIARRHOEA = "diarrhoea", _("Diarrhoea")
    OTHER = "other", _("Other")


FEVER_FROM = 37.3  # °C: the threshold used at checkpoints and in home monitoring


class DailyCheck(models.Model):
    """A health check of a person under a measure: temperature, symptoms, present where they must be."""

    client_id = models.UUIDField(unique=True, default=uuid.uuid4)  # a retried submission never duplicates
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="checks")
    on_date = models.DateField(_("date"))
    slot = models.PositiveSmallIntegerField(_("check"), default=1)
    temperature = models.DecimalField(
        _("temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    present = models.BooleanField(_("present where they must be"), default=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    abnormal = models.BooleanField(default=False, editable=False)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(default=timezone.now)
    path = models.CharField(max_length=255, editable=False)

    class Meta:
        ordering = ["measure", "on_date", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "on_date", "slot"], name="daily_check_once")
        ]
        indexes = [
            models.Index(
                fields=["path", "on_date"],
                name="daily_check_path_date",
                opclasses=["varchar_pattern_ops", ""],
            )
        ]

    def __str__(self) -> str:
        return f"check {self.measure_id} {self.on_date} #{self.slot}"


class EscalationKind(models.TextChoices):
    FEVER = "fever", _("Fever")
    SYMPTOMS = "symptoms", _("Symptoms")
    ABSENT = "absent", _("Not where they must be")
    POSITIVE_TEST = "positive_test", _("Positive test")


class Escalation(models.Model):
    """An abnormal finding, told to the grid's medic and the office at once."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="escalations")
    kind = models.CharField(_("finding"), max_length=16, choices=EscalationKind.choices)
    daily_check = models.ForeignKey(
        DailyCheck, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    test = models.ForeignKey(MeasureTest, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    recipients = models.JSONField(default=list, blank=True)  # [{"staff_id", "name", "role", "status"}]
    created_at = models.DateTimeField(default=timezone.now)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_note = models.CharField(_("what was done"), max_length=300, blank=True)
    path = models.CharField(max_length=255, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["path"], name="escalation_path", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


# --- services for people under control (服务隔离群众) ----------------------------------------


class ServiceKind(models.TextChoices):
    GROCERIES = "groceries", _("Groceries")
    MEDICINE = "medicine", _("Medicine")
    MEDICAL_VISIT = "medical_visit", _("Medical visit")
    RUBBISH = "rubbish", _("Rubbish collection")
    OTHER = "other", _("Other")


class ServiceStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("service request", "Open")
    ASSIGNED = "assigned", _("Assigned")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class ServiceRequest(models.Model):
    client_id = models.UUIDField(unique=True, default=uuid.uuid4)
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="service_requests")
    kind = models.CharField(_("what"), max_length=16, choices=ServiceKind.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    raised_by_person = models.BooleanField(_("raised by the person"), default=False)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=ServiceStatus.choices, default=ServiceStatus.OPEN
    )
    assigned_to = models.ForeignKey(
        "roster.StaffMember",
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(pgettext_lazy("service request", "outcome"), max_length=300, blank=True)
    path = models.CharField(max_length=255, editable=False)

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [
            models.Index(
                fields=["status", "path"], name="service_status_path", opclasses=["", "varchar_pattern_ops"]
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"
