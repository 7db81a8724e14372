"""Checkpoints (卡点) with their shifts and duty roster, the entry log kept at them, and volunteers
(志愿者) signed up in public, vetted by their village and scheduled into shifts and other tasks.

Every table carries the path of the unit it belongs to (PathScopedModel): a checkpoint its grid's,
a shift and a duty their checkpoint's, an entry its checkpoint's, a volunteer their village's.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wangge.core.paths import PathScopedModel


class CheckpointKind(models.TextChoices):
    VILLAGE_ENTRANCE = "village_entrance", _("Village entrance")
    ROAD = "road", _("Road")
    COMMUNITY_GATE = "community_gate", _("Community gate")
    ENTERPRISE_GATE = "enterprise_gate", _("Enterprise gate")


class ShiftPattern(models.TextChoices):
    THREE_EIGHT = "3x8", _("Three shifts of 8 hours")
    TWO_TWELVE = "2x12", _("Two shifts of 12 hours")
    SET_TIMES = "set", _("Set times")


class Checkpoint(PathScopedModel):
    name = models.CharField(pgettext_lazy("checkpoint", "name"), max_length=100)
    grid = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("address"), max_length=250, blank=True)
    venue = models.ForeignKey(
        "venues.Venue",
        verbose_name=_("enterprise (for an enterprise gate)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(
        pgettext_lazy("checkpoint", "kind"), max_length=20, choices=CheckpointKind.choices
    )
    round_the_clock = models.BooleanField(_("round the clock"), default=True)
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    pattern = models.CharField(
        _("shift pattern"), max_length=8, choices=ShiftPattern.choices, default=ShiftPattern.THREE_EIGHT
    )
    # For "set times": [["08:00", "12:00"], ["12:00", "20:00"]] (a shift may run past midnight).
    shift_times = models.JSONField(default=list, blank=True)
    people_per_shift = models.PositiveSmallIntegerField(_("people per shift"), default=2)
    is_active = models.BooleanField(_("in use"), default=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_reason = models.CharField(_("why it was closed"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        ordering = ["path", "name", "id"]
        indexes = [models.Index(fields=["path"], name="checkpoint_path", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name


class Shift(PathScopedModel):
    """One shift at a checkpoint. `filled` is kept in step by the services (the duties on it)."""

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.CASCADE, related_name="shifts")
    day = models.DateField(_("day"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    needed = models.PositiveSmallIntegerField(_("people needed"), default=2)
    filled = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at", "checkpoint_id"]
        constraints = [
            models.UniqueConstraint(fields=["checkpoint", "starts_at"], name="shift_once_per_start"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="shift_period_ordered"),
        ]
        indexes = [
            models.Index(
                fields=["path", "day"], name="shift_path_day", opclasses=["varchar_pattern_ops", ""]
            ),
            models.Index(fields=["day", "path"], name="shift_gap_day", condition=Q(filled__lt=F("needed"))),
        ]

    def __str__(self) -> str:
        return f"{self.checkpoint} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def is_night(self) -> bool:
        hour = timezone.localtime(self.starts_at).hour
        return hour >= 20 or hour < 6


class VolunteerStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be vetted")
    VETTED = "vetted", _("Vetted")
    REJECTED = "rejected", pgettext_lazy("volunteer", "Not accepted")


class Skill(models.TextChoices):
    DRIVING = "driving", _("Driving")
    MEDICAL = "medical", _("Medical")
    REGISTRATION = "registration", _("Registration and scanning")
    ORDER = "order", _("Keeping order")
    DELIVERY = "delivery", _("Deliveries")
    DISINFECTION = "disinfection", _("Disinfection")
    COMPUTER = "computer", _("Computer work")


class Availability(models.TextChoices):
    WEEKDAY_DAYS = "weekday_days", _("Weekday daytimes")
    WEEKDAY_NIGHTS = "weekday_nights", _("Weekday nights")
    WEEKENDS = "weekends", _("Weekends")
    ANY_TIME = "any_time", _("Any time")


class Volunteer(PathScopedModel):
    """One volunteer of one village: one record per document (a second sign-up updates it)."""

    village = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("village / community"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=60)
    phone = models.CharField(_("phone"), max_length=20)
    id_type = models.CharField(_("ID type"), max_length=16, default="resident_id")
    id_number = models.CharField(_("ID number"), max_length=32)
    is_party_member = models.BooleanField(_("party member"), default=False)
    skills = models.JSONField(_("skills"), default=list, blank=True)
    availability = models.JSONField(_("availability"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    staff = models.ForeignKey(
        "roster.StaffMember", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        pgettext_lazy("volunteer", "status"),
        max_length=10,
        choices=VolunteerStatus.choices,
        default=VolunteerStatus.PENDING,
    )
    receipt = models.CharField(max_length=16, unique=True, editable=False)
    vetted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    vetted_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["path", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["id_type", "id_number"], name="volunteer_one_per_document"),
        ]
        indexes = [
            models.Index(
                fields=["path", "status"], name="volunteer_path", opclasses=["varchar_pattern_ops", ""]
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def skill_labels(self) -> list[str]:
        labels = dict(Skill.choices)
        return [str(labels[s]) for s in self.skills or [] if s in labels]

    @property
    def availability_labels(self) -> list[str]:
        labels = dict(Availability.choices)
        return [str(labels[a]) for a in self.availability or [] if a in labels]


class Duty(PathScopedModel):
    """Someone on a shift: a roster member (party member, sent-down cadre …) or a vetted volunteer.
    Signed in and out on the phone; hours are counted from these."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="duties")
    staff = models.ForeignKey(
        "roster.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    volunteer = models.ForeignKey(
        Volunteer, null=True, blank=True, on_delete=models.PROTECT, related_name="duties"
    )
    signed_in_at = models.DateTimeField(_("signed in"), null=True, blank=True)
    signed_out_at = models.DateTimeField(_("signed out"), null=True, blank=True)
    # The ids the phone gave the sign-in and the sign-out (queued offline): a retry finds them.
    sign_in_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    sign_out_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("duty")
        verbose_name_plural = _("duties")
        ordering = ["shift_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(staff__isnull=False) & Q(volunteer__isnull=True))
                | (Q(staff__isnull=True) & Q(volunteer__isnull=False)),
                name="duty_one_person",
            ),
            models.UniqueConstraint(fields=["shift", "staff"], name="duty_staff_once"),
            models.UniqueConstraint(fields=["shift", "volunteer"], name="duty_volunteer_once"),
        ]

    def __str__(self) -> str:
        who = (
            self.staff.name
            if self.staff_id and self.staff
            else (self.volunteer.name if self.volunteer else "")
        )
        return f"{who} · {self.shift}"

    @property
    def who(self) -> str:
        if self.staff_id:
            return self.staff.name  # type: ignore[union-attr]
        return self.volunteer.name if self.volunteer else ""


class TaskKind(models.TextChoices):
    SAMPLING_SITE = "sampling_site", _("Sampling-site role")
    SCREENING_SQUAD = "screening_squad", _("Screening squad")
    SERVICE = "service", _("Services for people under control")


class VolunteerTask(PathScopedModel):
    """A volunteer scheduled into a task other than a checkpoint shift: a sampling-site role (one
    of the six of testing), a screening squad, services for people under a measure."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="tasks")
    kind = models.CharField(pgettext_lazy("task", "kind"), max_length=20, choices=TaskKind.choices)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    site = models.ForeignKey(
        "testing.Site", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    site_role = models.ForeignKey(
        "testing.ChecklistItem", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    signed_in_at = models.DateTimeField(_("signed in"), null=True, blank=True)
    signed_out_at = models.DateTimeField(_("signed out"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("volunteer task")
        verbose_name_plural = _("volunteer tasks")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="volunteer_task_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"


class EntryKind(models.TextChoices):
    PERSON = "person", pgettext_lazy("entry", "Person")
    VEHICLE = "vehicle", _("Vehicle")


class Direction(models.TextChoices):
    IN = "in", pgettext_lazy("direction", "In")
    OUT = "out", pgettext_lazy("direction", "Out")


class CodeColour(models.TextChoices):
    GREEN = "green", _("Green code")
    YELLOW = "yellow", _("Yellow code")
    RED = "red", _("Red code")
    NONE = "", _("Not shown")


class Entry(PathScopedModel):
    """One passage at a checkpoint, made on the phone with its own id (client_id): a retried
    upload finds it and stores nothing twice."""

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="entries")
    client_id = models.UUIDField(unique=True, editable=False)
    kind = models.CharField(pgettext_lazy("entry", "kind"), max_length=8, choices=EntryKind.choices)
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=60, blank=True)
    id_type = models.CharField(_("ID type"), max_length=16, blank=True)
    id_number = models.CharField(_("ID number"), max_length=32, blank=True)
    plate = models.CharField(_("plate"), max_length=10, blank=True)
    passengers = models.PositiveSmallIntegerField(_("people in the vehicle"), default=0)
    origin = models.CharField(_("came from"), max_length=200, blank=True)
    code_colour = models.CharField(_("health code"), max_length=8, choices=CodeColour.choices, blank=True)
    temperature = models.DecimalField(_("temperature"), max_digits=3, decimal_places=1, null=True, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    direction = models.CharField(
        _("direction"), max_length=4, choices=Direction.choices, default=Direction.IN
    )
    at = models.DateTimeField(_("time"))
    day = models.DateField(_("day"))
    risk_level = models.CharField(_("risk level"), max_length=8, blank=True)
    screening = models.ForeignKey(
        "screening.ScreeningRecord", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalation = models.ForeignKey(
        "screening.Escalation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("checkpoint entry")
        verbose_name_plural = _("checkpoint entries")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["checkpoint", "day"], name="entry_checkpoint_day"),
            models.Index(
                fields=["path", "day"], name="entry_path_day", opclasses=["varchar_pattern_ops", ""]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.checkpoint_id} · {timezone.localtime(self.at):%H:%M}"
