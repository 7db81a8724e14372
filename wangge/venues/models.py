"""Venues (重点场所) and what is inspected there: the venue registry is the floor the
inspections, orders, patrols and disinfection plans of this part stand on."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wangge.core.paths import PathScopedModel


class VenueKind(models.Model):
    """A kind of venue, as data: the district edits the list (酒店, 饭店, 超市, 中学, …)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    # Schools keep a visitor register (外来人员出入检测登记).
    keeps_visitor_register = models.BooleanField(_("keeps a visitor register"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    active = models.BooleanField(_("in use"), default=True)
    # The key-people category its staff are in by default (餐饮从业人员 for a restaurant …).
    staff_category = models.ForeignKey(
        "screening.Category",
        verbose_name=_("staff category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("venue kind")
        verbose_name_plural = _("venue kinds")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class RiskLevel(models.TextChoices):
    LOW = "low", pgettext_lazy("risk level", "Low")
    MEDIUM = "medium", pgettext_lazy("risk level", "Medium")
    HIGH = "high", pgettext_lazy("risk level", "High")


class VenueStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("venue status", "Open")
    CLOSED = "closed", pgettext_lazy("venue status", "Closed")
    SUSPENDED = "suspended", _("Suspended by order")


class Venue(PathScopedModel):
    """A key venue in a level-3 grid; `path` is the grid's, so scope follows the tree."""

    kind = models.ForeignKey(
        VenueKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="venues"
    )
    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=250, blank=True)
    grid = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="venues"
    )
    # A street-facing shop of the registry is the same place as its venue, never a second record.
    shop = models.OneToOneField(
        "registry.Rental",
        verbose_name=_("street-facing shop"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="venue",
    )
    responsible_name = models.CharField(_("responsible person"), max_length=60, blank=True)
    responsible_phone = models.CharField(_("responsible person's phone"), max_length=20, blank=True)
    # 统一社会信用代码 (GB 32100), checked by python-stdnum's cn.uscc.
    enterprise_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    staff_count = models.PositiveIntegerField(_("staff"), default=0)
    risk_level = models.CharField(
        _("risk level"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.LOW
    )
    status = models.CharField(
        _("status"), max_length=10, choices=VenueStatus.choices, default=VenueStatus.OPEN
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["path", "name", "id"]
        indexes = [
            models.Index(fields=["path"], name="venue_path", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["kind", "path"], name="venue_kind_path"),
            # The lists' order: a page of a district's 20,000 venues is read off the index, unsorted.
            models.Index(fields=["path", "name", "id"], name="venue_list_order"),
        ]

    def __str__(self) -> str:
        return self.name


class VenueStaff(models.Model):
    """One person on a venue's staff health record (员工健康动态管理档案), linked to the registry."""

    venue = models.ForeignKey(Venue, verbose_name=_("venue"), on_delete=models.CASCADE, related_name="staff")
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="venue_jobs"
    )
    job = models.CharField(_("job"), max_length=60, blank=True)
    # The key-people category the job puts them in (餐饮从业人员, 商超从业人员, …): how often tested.
    category = models.ForeignKey(
        "screening.Category",
        verbose_name=_("key-people category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    since = models.DateField(_("since"), null=True, blank=True)
    until = models.DateField(_("left on"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("staff member of a venue")
        verbose_name_plural = _("staff of venues")
        ordering = ["venue_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["venue", "person"], condition=models.Q(until__isnull=True), name="venue_staff_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.venue_id}/{self.person_id}"


class DisinfectionEntry(models.Model):
    """One line of a venue's disinfection log (消杀记录)."""

    # Made by the phone that wrote the line: a replayed upload is recognised, never stored twice.
    client_id = models.UUIDField(unique=True, null=True, blank=True, editable=False)
    venue = models.ForeignKey(
        Venue, verbose_name=_("venue"), on_delete=models.CASCADE, related_name="disinfections"
    )
    done_on = models.DateField(_("date"))
    done_at = models.TimeField(_("time"), null=True, blank=True)
    area = models.CharField(_("area"), max_length=100)
    agent = models.CharField(_("disinfectant"), max_length=60, blank=True)
    done_by = models.CharField(_("done by"), max_length=60, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("disinfection log entry")
        verbose_name_plural = _("disinfection log")
        ordering = ["-done_on", "-done_at", "-id"]
        indexes = [models.Index(fields=["venue", "done_on"], name="disinfection_venue_day")]

    def __str__(self) -> str:
        return f"{self.done_on} {self.area}"


class CodeColour(models.TextChoices):
    GREEN = "green", _("Green code")
    YELLOW = "yellow", _("Yellow code")
    RED = "red", _("Red code")


class VisitorEntry(models.Model):
    """One line of a school's visitor register (外来人员出入检测登记)."""

    client_id = models.UUIDField(unique=True, null=True, blank=True, editable=False)
    venue = models.ForeignKey(
        Venue, verbose_name=_("venue"), on_delete=models.CASCADE, related_name="visitors"
    )
    at = models.DateTimeField(_("time"))
    name = models.CharField(_("name"), max_length=60)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    code_colour = models.CharField(_("health code"), max_length=8, choices=CodeColour.choices)
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1)
    purpose = models.CharField(_("purpose"), max_length=120, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("visitor register entry")
        verbose_name_plural = _("visitor register")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["venue", "at"], name="visitor_venue_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M}"


class VenueAccount(models.Model):
    """A venue's own light account (its manager, logging in with a phone number): the account has
    no jurisdiction, so the kernel's scope gives it nothing anywhere; its venue's pages find the
    venue through this link only."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="venue_link",
    )
    venue = models.ForeignKey(
        Venue, verbose_name=_("venue"), on_delete=models.CASCADE, related_name="accounts"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("venue account")
        verbose_name_plural = _("venue accounts")
        ordering = ["venue_id", "id"]

    def __str__(self) -> str:
        return f"{self.venue_id}/{self.user_id}"
