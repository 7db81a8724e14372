"""The district's tree of org units, stored as a materialized path.

`path` is "/<id>/<id>/.../" from the district down to the unit itself, so "everything
under X" is one indexed prefix query: path LIKE 'X.path%'.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    DISTRICT = 10, _("District")
    OFFICE = 20, _("Sub-district office / centre")
    MANAGEMENT_AREA = 30, _("Management area")
    VILLAGE = 40, _("Village / community")
    WORKSTATION = 50, _("Workstation (level-2 grid)")
    GRID = 60, _("Grid (level-3 grid)")


# Which levels may sit directly under which. Management areas are optional, so a
# village may hang from an office or from a management area; a grid may sit
# directly under a village when the village has no workstations.
ALLOWED_PARENT_LEVELS: dict[int, set[int]] = {
    Level.DISTRICT: set(),
    Level.OFFICE: {Level.DISTRICT},
    Level.MANAGEMENT_AREA: {Level.OFFICE},
    Level.VILLAGE: {Level.OFFICE, Level.MANAGEMENT_AREA},
    Level.WORKSTATION: {Level.VILLAGE},
    Level.GRID: {Level.WORKSTATION, Level.VILLAGE},
}


class OrgUnitQuerySet(models.QuerySet):
    def active(self):
        return self.filter(closed_at__isnull=True)

    def under(self, unit: "OrgUnit", *, include_self: bool = True):
        qs = self.filter(path__startswith=unit.path)
        return qs if include_self else qs.exclude(pk=unit.pk)

    def grids(self):
        return self.filter(level=Level.GRID)


class OrgUnit(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, editable=False, db_index=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    sort_order = models.IntegerField(_("sort order"), default=0)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        ordering = ["path"]
        indexes = [
            # varchar_pattern_ops lets PostgreSQL use the index for LIKE 'prefix%'
            # whatever the database collation; other backends ignore opclasses.
            models.Index(fields=["path"], name="org_unit_path_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["level", "closed_at"], name="org_unit_level_open"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=[lv.value for lv in Level]), name="org_unit_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def is_grid(self) -> bool:
        return self.level == Level.GRID

    def ancestor_ids(self) -> list[int]:
        return [int(p) for p in self.path.strip("/").split("/") if p]

    def ancestors(self) -> list["OrgUnit"]:
        """From the top of the tree down to the parent, in one query."""
        ids = self.ancestor_ids()[:-1]
        by_id = OrgUnit.objects.in_bulk(ids)
        return [by_id[i] for i in ids if i in by_id]

    def contains(self, other: "OrgUnit") -> bool:
        return other.path.startswith(self.path)
