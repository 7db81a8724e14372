"""Inspections (督查) of venues: checklists as data, campaigns, inspections and their answers,
rectification orders (责令整改) with their numbered notices, and disinfection plans.

An inspection keeps the template version it was made from and a copy of each item in its answers:
publishing a new version of a checklist never rewrites a past inspection.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wangge.core.paths import PathScopedModel


class PrivateStorage(FileSystemStorage):
    """Photos of inspections: kept outside MEDIA (no public URL), served only by a scoped view.
    The folder is read from the settings on each use (WANGGE_PRIVATE_ROOT, or var/private)."""

    @property  # type: ignore[override]
    def base_location(self) -> str:
        return str(getattr(settings, "WANGGE_PRIVATE_ROOT", None) or (settings.VAR_DIR / "private"))

    @property  # type: ignore[override]
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    @property  # type: ignore[override]
    def base_url(self) -> None:
        return None

    def url(self, name: str | None) -> str:
        raise ValueError("Inspection photos have no public URL.")


def private_storage() -> PrivateStorage:
    return PrivateStorage()


class DataCheck(models.TextChoices):
    """Checks the platform answers from its own data (wangge.venues.evidence)."""

    DISINFECTION_LOG = "disinfection_log", _("Disinfection log complete for the last days")
    STAFF_TESTED = "staff_tested", _("Staff tested on time")
    PLACARDS = "placards", _("Code placards recorded as posted")
    VISITOR_REGISTER = "visitor_register", _("Visitor register kept today")


class ChecklistTemplate(models.Model):
    """One version of a venue kind's checklist. Only the current version is used for new
    inspections; older versions stay, with the inspections that used them."""

    kind = models.ForeignKey(
        "venues.VenueKind", verbose_name=_("kind"), on_delete=models.PROTECT, related_name="checklists"
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=120)
    is_current = models.BooleanField(_("current"), default=True)
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("what changed"), max_length=250, blank=True)

    class Meta:
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")
        ordering = ["kind__order", "kind_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="checklist_kind_version"),
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(is_current=True), name="checklist_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class ChecklistItem(models.Model):
    template = models.ForeignKey(
        ChecklistTemplate, verbose_name=_("checklist"), on_delete=models.CASCADE, related_name="items"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    section = models.CharField(_("section"), max_length=60)
    text = models.CharField(_("item"), max_length=200)
    points = models.PositiveSmallIntegerField(_("points"), default=10)
    critical = models.BooleanField(_("critical"), default=False)
    photo_on_fail = models.BooleanField(_("photo required on failure"), default=False)
    note_on_fail = models.BooleanField(_("note required on failure"), default=True)
    data_check = models.CharField(
        _("data check"), max_length=30, choices=DataCheck.choices, blank=True, default=""
    )
    check_days = models.PositiveSmallIntegerField(_("days checked"), default=7)
    # On a joint patrol's short check (联合巡查: each stop a short inspection).
    on_patrol = models.BooleanField(_("on a joint patrol's short check"), default=False)
    # How a failure of this item is written in a campaign's summary (消杀记录不详), in both languages.
    problem = models.CharField(_("problem when failed"), max_length=60, blank=True)
    problem_en = models.CharField(_("problem when failed (English)"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["template_id", "position", "id"]

    def __str__(self) -> str:
        return self.text


class CampaignKind(models.TextChoices):
    INSPECTION = "inspection", _("Inspection campaign")
    PATROL = "patrol", _("Joint patrol")


class Campaign(PathScopedModel):
    """督查活动 / 联合巡查: the inspections of one outing (date, leader, departments, venues)."""

    unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="inspection_campaigns"
    )
    kind = models.CharField(
        pgettext_lazy("campaign", "kind"), max_length=12, choices=CampaignKind.choices, default="inspection"
    )
    name = models.CharField(_("name"), max_length=120)
    on_date = models.DateField(_("date"))
    leader = models.ForeignKey(
        "roster.StaffMember",
        verbose_name=_("team leader"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    leader_account = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    departments = models.ManyToManyField("roster.Department", verbose_name=_("departments"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("inspection campaign")
        verbose_name_plural = _("inspection campaigns")
        ordering = ["-on_date", "-id"]
        indexes = [models.Index(fields=["path"], name="campaign_path", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name


class CampaignMember(models.Model):
    """One of the campaign's team, drawn from the roster, with the department they came from (as it
    was when they joined the team); exactly one member leads."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="members")
    staff = models.ForeignKey(
        "roster.StaffMember", verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "roster.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_leader = models.BooleanField(_("team leader"), default=False)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team")
        ordering = ["campaign_id", "-is_leader", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "staff"], name="campaign_member_once"),
            models.UniqueConstraint(
                fields=["campaign"], condition=models.Q(is_leader=True), name="campaign_one_leader"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.staff_id}"


class CampaignStop(models.Model):
    """A venue on a campaign's route, in order."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="stops")
    venue = models.ForeignKey("venues.Venue", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["campaign_id", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "venue"], name="campaign_stop_once")]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.venue_id}"


class InspectionKind(models.TextChoices):
    PLANNED = "planned", _("Planned")
    AD_HOC = "ad_hoc", _("Ad hoc")
    REINSPECTION = "reinspection", _("Re-inspection")


class InspectionStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("inspection status", "Open")
    SUBMITTED = "submitted", _("Submitted")
    SIGNED = "signed", _("Signed")


class Verdict(models.TextChoices):
    PASS = "pass", pgettext_lazy("verdict", "Passed")
    FAIL = "fail", pgettext_lazy("verdict", "Failed")


class Inspection(PathScopedModel):
    client_id = models.UUIDField(unique=True, null=True, blank=True, editable=False)
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="inspections"
    )
    venue = models.ForeignKey(
        "venues.Venue", verbose_name=_("venue"), on_delete=models.PROTECT, related_name="inspections"
    )
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT, related_name="inspections")
    kind = models.CharField(
        pgettext_lazy("inspection", "kind"), max_length=14, choices=InspectionKind.choices, default="ad_hoc"
    )
    order = models.ForeignKey(
        "Order", null=True, blank=True, on_delete=models.PROTECT, related_name="reinspections"
    )
    on_date = models.DateField(_("date"))
    status = models.CharField(
        _("status"), max_length=10, choices=InspectionStatus.choices, default=InspectionStatus.OPEN
    )
    score = models.PositiveIntegerField(_("score"), default=0)
    max_score = models.PositiveIntegerField(default=0)
    verdict = models.CharField(_("verdict"), max_length=5, choices=Verdict.choices, blank=True, default="")
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-on_date", "-id"]
        indexes = [
            models.Index(fields=["path"], name="inspection_path", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["venue", "on_date"], name="inspection_venue_day"),
        ]

    def __str__(self) -> str:
        return f"{self.venue_id} {self.on_date}"


class AnswerResult(models.TextChoices):
    PASS = "pass", pgettext_lazy("answer", "Pass")
    FAIL = "fail", pgettext_lazy("answer", "Fail")
    NOT_APPLICABLE = "na", _("Not applicable")


class Answer(models.Model):
    """One item of an inspection: a copy of the checklist item, and how it was answered."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    section = models.CharField(max_length=60)
    text = models.CharField(max_length=200)
    points = models.PositiveSmallIntegerField(default=0)
    critical = models.BooleanField(default=False)
    photo_on_fail = models.BooleanField(default=False)
    note_on_fail = models.BooleanField(default=False)
    data_check = models.CharField(max_length=30, blank=True, default="")
    check_days = models.PositiveSmallIntegerField(default=7)
    # What the platform's data said (pre-filled), kept as written at the time.
    evidence = models.CharField(max_length=300, blank=True, default="")
    suggested = models.CharField(max_length=4, blank=True, default="")
    result = models.CharField(max_length=4, choices=AnswerResult.choices, blank=True, default="")
    note = models.CharField(max_length=500, blank=True, default="")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    # The phone's id of the answer: a replay is recognised; another phone's answer is refused.
    client_id = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["inspection_id", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="answer_once")]
        indexes = [models.Index(fields=["result", "text"], name="answer_result_text")]

    def __str__(self) -> str:
        return self.text


class Photo(models.Model):
    client_id = models.UUIDField(unique=True)
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(storage=private_storage, upload_to="inspections/%Y/%m")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.client_id)


class OrderStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("order status", "Open")
    CLOSED = "closed", pgettext_lazy("order status", "Closed")


class Order(PathScopedModel):
    """责令整改: a venue told to put right what failed, by a deadline, with a numbered notice."""

    office = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    number = models.PositiveIntegerField()
    venue = models.ForeignKey(
        "venues.Venue", verbose_name=_("venue"), on_delete=models.PROTECT, related_name="orders"
    )
    inspection = models.OneToOneField(Inspection, on_delete=models.PROTECT, related_name="rectification")
    what = models.TextField(_("to put right"))
    immediate = models.BooleanField(_("immediately"), default=True)
    deadline = models.DateField(_("deadline"))
    responsible_name = models.CharField(_("responsible person"), max_length=60, blank=True)
    suspends_venue = models.BooleanField(_("suspends the venue until closed"), default=False)
    status = models.CharField(_("status"), max_length=8, choices=OrderStatus.choices, default="open")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    extensions = models.PositiveSmallIntegerField(default=0)
    extension_reason = models.CharField(_("reason for the extension"), max_length=300, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("rectification order")
        verbose_name_plural = _("rectification orders")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["office", "year", "number"], name="order_number_once")]
        indexes = [
            models.Index(fields=["path"], name="order_path", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["status", "deadline"], name="order_status_deadline"),
        ]

    def __str__(self) -> str:
        return self.notice_no

    @property
    def notice_no(self) -> str:
        return f"{self.year}-{self.number:04d}"

    @property
    def is_overdue(self) -> bool:
        return self.status == OrderStatus.OPEN and self.deadline < timezone.localdate()


class OrderCounter(models.Model):
    """The last notice number of an office in a year: taken under select_for_update, no gaps."""

    office = models.ForeignKey("org.OrgUnit", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["office", "year"], name="order_counter_once")]

    def __str__(self) -> str:
        return f"{self.office_id}/{self.year}: {self.last}"


class VenueWatch(models.Model):
    """A venue flagged for repeated failures: inspected more often until cleared."""

    venue = models.OneToOneField("venues.Venue", on_delete=models.CASCADE, related_name="inspection_watch")
    failures = models.PositiveIntegerField(default=0)
    flagged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("venue under watch")
        verbose_name_plural = _("venues under watch")

    def __str__(self) -> str:
        return f"{self.venue_id}: {self.failures}"


class DisinfectionPlan(PathScopedModel):
    """A place disinfected on a plan (a village, a site, a venue), every N days."""

    unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    venue = models.ForeignKey(
        "venues.Venue",
        verbose_name=_("venue"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    place = models.CharField(_("place"), max_length=120)
    every_days = models.PositiveSmallIntegerField(_("every (days)"), default=1)
    starts_on = models.DateField(_("from"))
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("disinfection plan")
        verbose_name_plural = _("disinfection plans")
        ordering = ["path", "place", "id"]

    def __str__(self) -> str:
        return self.place


class DisinfectionRound(models.Model):
    client_id = models.UUIDField(unique=True, null=True, blank=True, editable=False)
    plan = models.ForeignKey(DisinfectionPlan, on_delete=models.CASCADE, related_name="rounds")
    done_on = models.DateField(_("date"))
    done_by = models.CharField(_("done by"), max_length=60, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-done_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["plan", "done_on"], name="disinfection_round_once")]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.done_on}"
