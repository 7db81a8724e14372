"""Venues (重点场所) and what is inspected there: the venue registry is the floor the
inspections, orders, patrols and disinfection plans of this part stand on."""

from __future__ import annotations

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
        ]

    def __str__(self) -> str:
        return self.name
