"""Gatherings (聚集性活动): weddings, funerals, banquets and family gatherings reported (报备) before
the fact, decided by rules that are data (each with a validity period) and approved along a chain
that the size of the event decides: the village files it, the office approves it, the district
approves the largest.

A report keeps what the family or the grid worker said, the verdict the rules gave at that moment
(`verdict`, `band`), each approval step, the guest list as matched to the registry, the
supervisor's check on the day and the after-event record that closes it.

Every record copies the path of the unit it belongs to (the grid of the place, or the village a
family chose on the public form until a grid is known) for prefix scoping.
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
from wangge.core.paths import PathScopedModel


class GatheringKind(models.Model):
    """A kind of gathering, as data (喜事, 丧事, 宴会 …); the district edits the list."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(pgettext_lazy("kind", "name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    examples = models.CharField(_("such as"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("kind of gathering")
        verbose_name_plural = _("kinds of gathering")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class Stance(models.TextChoices):
    """What the rule says of the kind as a whole (喜事缓办、丧事简办、宴会不办)."""

    ALLOWED = "allowed", _("Allowed within the limits")
    POSTPONE = "postpone", _("To be postponed (缓办)")
    SIMPLIFY = "simplify", _("To be kept simple (简办)")
    BANNED = "banned", _("Not to be held (不办)")


class Band(models.TextChoices):
    """Who files or approves a gathering of this size."""

    VILLAGE = "village", _("Filed with the village or community")
    OFFICE = "office", _("Approved by the sub-district office")
    DISTRICT = "district", _("Approved by the district")


BAND_ORDER: dict[str, int] = {Band.VILLAGE: 1, Band.OFFICE: 2, Band.DISTRICT: 3}


class GatheringRule(DatedRule):
    """The rule for one kind over a period: allowed or not, how far ahead it is reported, the caps,
    the size bands that decide the approver and the conditions attached. A newer version ends the
    old one (`valid_to`); the rule valid on the event's date applies."""

    kind = models.ForeignKey(
        GatheringKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="rules"
    )
    stance = models.CharField(_("stance"), max_length=10, choices=Stance.choices, default=Stance.ALLOWED)
    wording = models.CharField(_("the rule's own words"), max_length=200, blank=True)
    advice = models.TextField(_("advice given to the family"), blank=True)
    lead_days = models.PositiveSmallIntegerField(_("report at least (days ahead)"), default=0)
    max_diners_per_meal = models.PositiveIntegerField(_("at most (diners per meal)"), null=True, blank=True)
    village_band = models.PositiveIntegerField(_("filed with the village up to (diners)"), default=50)
    office_band = models.PositiveIntegerField(_("approved by the office up to (diners)"), default=200)
    conditions = models.JSONField(_("conditions attached"), default=list, blank=True)

    class Meta:
        verbose_name = _("gathering rule")
        verbose_name_plural = _("gathering rules")
        ordering = ["kind__order", "-valid_from", "id"]
        constraints = [
            period_ordered("gathering_rule_period_ordered"),
            models.CheckConstraint(
                condition=Q(office_band__gte=F("village_band")), name="gathering_rule_bands_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind.name} {self.valid_from.isoformat()}"


class PlaceKind(models.TextChoices):
    HOUSEHOLD = "household", _("At home (a registered household)")
    VENUE = "venue", _("At a venue (hotel, restaurant)")
    ADDRESS = "address", _("At another address")


class CatererKind(models.TextChoices):
    CATERER = "caterer", _("A catering company")
    VILLAGE_CHEF = "village_chef", _("A village chef (乡村厨师)")
    SELF = "self", _("Cooked by the family")


class Status(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    APPROVED = "approved", pgettext_lazy("gathering", "Filed or approved")
    REFUSED = "refused", pgettext_lazy("gathering", "Refused")
    CLOSED = "closed", _("Held and closed")
    CANCELLED = "cancelled", pgettext_lazy("gathering", "Cancelled")


OPEN_STATUSES = (Status.PENDING, Status.APPROVED)


class ReportedBy(models.TextChoices):
    FAMILY = "family", _("The family, on the public form")
    STAFF = "staff", _("A grid worker")


class Gathering(PathScopedModel):
    """One gathering reported (报备)."""

    lookup_code = models.CharField(_("look-up code"), max_length=12, unique=True, editable=False)
    client_token = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    kind = models.ForeignKey(
        GatheringKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="+"
    )
    rule = models.ForeignKey(
        GatheringRule,
        verbose_name=_("rule"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("occasion"), max_length=100, blank=True)
    # The host: a registry person once known; as written by whoever reported it.
    host = models.ForeignKey(
        "registry.Person",
        verbose_name=_("host"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    host_name = models.CharField(_("host's name"), max_length=60)
    host_id_type = models.CharField(_("ID type"), max_length=16, default="resident_id")
    host_id_number = models.CharField(_("host's ID number"), max_length=32)
    host_phone = models.CharField(_("host's phone"), max_length=20)
    # Where: the village (from the public form) until a grid is known, then the grid.
    unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("village or grid"), on_delete=models.PROTECT, related_name="+"
    )
    place_kind = models.CharField(
        _("place"), max_length=10, choices=PlaceKind.choices, default=PlaceKind.ADDRESS
    )
    household = models.ForeignKey(
        "registry.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    venue = models.ForeignKey(
        "venues.Venue",
        verbose_name=_("venue"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField(_("address"), max_length=250, blank=True)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    caterer_kind = models.CharField(
        _("who cooks"), max_length=14, choices=CatererKind.choices, default=CatererKind.VILLAGE_CHEF
    )
    caterer = models.CharField(_("caterer or chef"), max_length=100, blank=True)
    outside_guests = models.BooleanField(_("guests from outside the district"), default=False)
    outside_from = models.CharField(_("where the outside guests come from"), max_length=200, blank=True)
    plan = models.TextField(_("prevention plan"), blank=True)
    note = models.TextField(_("note"), blank=True)
    max_diners = models.PositiveIntegerField(_("most diners at one meal"), default=0)
    band = models.CharField(_("approved by"), max_length=10, choices=Band.choices, default=Band.VILLAGE)
    stage = models.CharField(
        _("waiting at"), max_length=10, choices=Band.choices, blank=True, default=Band.VILLAGE
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    verdict = models.JSONField(_("what the rules said"), default=list, blank=True)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    refusal = models.TextField(_("reasons for refusal"), blank=True)
    refused_by_rule = models.BooleanField(default=False, editable=False)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on-site supervisor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reported_by = models.CharField(max_length=8, choices=ReportedBy.choices, default=ReportedBy.FAMILY)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    guests_total = models.PositiveIntegerField(default=0)
    guests_flagged = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("gathering")
        verbose_name_plural = _("gatherings")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="gathering_period_ordered"),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal=""), name="gathering_refused_with_reasons"
            ),
        ]
        indexes = [
            models.Index(
                fields=["path", "starts_on"], name="gathering_path_day", opclasses=["varchar_pattern_ops", ""]
            ),
            models.Index(fields=["status", "stage"], name="gathering_status_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.kind.name} {self.host_name} {self.starts_on.isoformat()}"

    @property
    def place_text(self) -> str:
        if self.venue_id:
            return self.venue.name
        return self.address


class Meal(models.Model):
    """One meal of a gathering: its day, expected diners and tables."""

    gathering = models.ForeignKey(Gathering, on_delete=models.CASCADE, related_name="meals")
    on = models.DateField(_("day"))
    label = models.CharField(pgettext_lazy("meal", "meal"), max_length=20, blank=True)
    diners = models.PositiveIntegerField(_("expected diners"))
    tables = models.PositiveIntegerField(_("tables"), default=0)

    class Meta:
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.on.isoformat()} {self.label} {self.diners}"


class StepAction(models.TextChoices):
    FILE = "file", _("Filed")
    FORWARD = "forward", _("Forwarded")
    APPROVE = "approve", _("Approved")
    REFUSE = "refuse", pgettext_lazy("step", "Refused")
    RULE = "rule", _("Refused by rule")


class ApprovalStep(models.Model):
    """One step of the approval chain: who, at which level, what, with which conditions or reasons."""

    gathering = models.ForeignKey(Gathering, on_delete=models.CASCADE, related_name="steps")
    level = models.CharField(max_length=10, choices=Band.choices)
    action = models.CharField(max_length=10, choices=StepAction.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)
    conditions = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.get_action_display()}"


class Notice(models.Model):
    """What the family is told (shown on the public look-up page, and sent through the notice
    channel when a phone is known). Never carries an ID number or anyone else's name."""

    gathering = models.ForeignKey(Gathering, on_delete=models.CASCADE, related_name="notices")
    text = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class GuestMatch(models.TextChoices):
    ID = "id", _("Matched by ID number")
    NAME_PHONE = "name_phone", _("Matched by name and phone")
    NONE = "none", _("Not in the registry")
    ERROR = "error", _("Row in error")


class Guest(models.Model):
    """One row of a guest list, as written, and what the registry, the risk-area list and the
    open measures say about it."""

    gathering = models.ForeignKey(Gathering, on_delete=models.CASCADE, related_name="guests")
    row_no = models.PositiveIntegerField()
    name = models.CharField(pgettext_lazy("person", "name"), max_length=60, blank=True)
    id_number = models.CharField(_("ID number"), max_length=32, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    came_from = models.CharField(_("came from"), max_length=200, blank=True)
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    match = models.CharField(max_length=10, choices=GuestMatch.choices, default=GuestMatch.NONE)
    error = models.CharField(max_length=300, blank=True)
    risk_area = models.ForeignKey(
        "screening.RiskArea", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    under_measure = models.BooleanField(default=False)
    screening = models.ForeignKey(
        "screening.ScreeningRecord", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["gathering", "row_no"]
        constraints = [models.UniqueConstraint(fields=["gathering", "row_no"], name="guest_row_once")]

    def __str__(self) -> str:
        return self.name

    @property
    def flagged(self) -> bool:
        return bool(self.risk_area_id or self.under_measure)


class DayCheck(PathScopedModel):
    """The supervisor's check on the day, from the phone."""

    gathering = models.ForeignKey(Gathering, on_delete=models.CASCADE, related_name="day_checks")
    client_id = models.UUIDField(unique=True, default=uuid.uuid4)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    actual_diners = models.PositiveIntegerField(_("diners counted"))
    conditions_kept = models.BooleanField(_("conditions kept"), default=True)
    problems = models.TextField(_("problems found"), blank=True)
    photo = models.FileField(upload_to="gatherings/day/%Y/%m/", blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return str(_("Check on the day #%(pk)s") % {"pk": self.pk})


class AfterRecord(PathScopedModel):
    """The after-event record (due within a day of the last day): it closes the gathering."""

    gathering = models.OneToOneField(Gathering, on_delete=models.CASCADE, related_name="after_record")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    actual_diners = models.PositiveIntegerField(_("diners in all"))
    anyone_unwell = models.BooleanField(_("anyone unwell since"), default=False)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return str(_("After-event record #%(pk)s") % {"pk": self.pk})
