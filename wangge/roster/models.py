"""Everyone who works in the tree, whether or not they log in, and what they answer for.

A StaffMember belongs to a home unit (where they are employed or live); an Assignment
makes them responsible for a unit in a role for a period (网格化分包责任制).
`path` copies the home unit's path so scoping is a prefix query without a join.
"""

from datetime import date

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wangge.core.paths import PathScopedModel


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")
    UNKNOWN = "", _("Not stated")


class StaffKind(models.TextChoices):
    OFFICE_LEADER = "office_leader", _("Office leader")
    WORKING_GROUP = "working_group", _("Working-group member")
    DEPARTMENT = "department", _("Department staff")
    VILLAGE_CADRE = "village_cadre", _("Village / community cadre")
    COMMUNITY_WORKER = "community_worker", _("Community worker")
    GRID_STAFF = "grid_staff", _("Grid leader / worker")
    POLICE = "police", _("Police officer")
    MEDIC = "medic", _("Medic")
    PARTY_MEMBER = "party_member", _("Party member")
    SENT_DOWN_CADRE = "sent_down_cadre", _("Sent-down cadre")
    VOLUNTEER = "volunteer", _("Volunteer")
    OTHER = "other", _("Other")


class DepartmentKind(models.TextChoices):
    SUPERVISION = "supervision", _("Supervision office (督查办)")
    POLICE_STATION = "police_station", _("Police station (派出所)")
    MARKET_REGULATION = "market_regulation", _("Market regulation (市场监管所)")
    EDUCATION_HEALTH = "education_health", _("Education, culture, health and sport (教文卫体办)")
    URBAN_MANAGEMENT = "urban_management", _("Urban management (城管)")
    DISCIPLINE = "discipline", _("Discipline inspection (纪工委)")
    OTHER = "other", _("Other")


class Department(PathScopedModel):
    unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="departments"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=DepartmentKind.choices)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="department_unique_name_per_unit")
        ]
        indexes = [models.Index(fields=["path"], name="department_path", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name


class StaffMember(PathScopedModel):
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True, default="")
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    kind = models.CharField(
        pgettext_lazy("staff", "kind"), max_length=32, choices=StaffKind.choices, default=StaffKind.OTHER
    )
    title = models.CharField(_("title / post"), max_length=100, blank=True)
    is_party_member = models.BooleanField(_("party member"), default=False)
    unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("home unit"), on_delete=models.PROTECT, related_name="staff"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
    )
    note = models.TextField(_("note"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        ordering = ["path", "name", "id"]
        indexes = [
            models.Index(fields=["path"], name="staff_path", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["name"], name="staff_name"),
        ]

    def __str__(self) -> str:
        return self.name


class AssignmentRole(models.TextChoices):
    OFFICE_LEADER = "office_leader", _("Office leader")
    AREA_LEADER = "area_leader", _("Management-area leader")
    VILLAGE_SECRETARY = "village_secretary", _("Village / community secretary")
    WORKSTATION_LEADER = "workstation_leader", _("Workstation leader (level-2 grid)")
    GRID_LEADER = "grid_leader", _("Grid leader")
    GRID_WORKER = "grid_worker", _("Grid worker")
    TEAM_COMMUNITY_WORKER = "team_community_worker", _("Three-person team: community worker")
    TEAM_POLICE = "team_police", _("Three-person team: police officer")
    TEAM_MEDIC = "team_medic", _("Three-person team: medic")
    SENT_DOWN_CADRE = "sent_down_cadre", _("Sent-down cadre")
    PARTY_MEMBER = "party_member", _("Party member")
    VOLUNTEER = "volunteer", _("Volunteer")


# Roles that count as "the leader" of a unit for the gaps report.
LEADER_ROLES = {
    AssignmentRole.OFFICE_LEADER,
    AssignmentRole.AREA_LEADER,
    AssignmentRole.VILLAGE_SECRETARY,
    AssignmentRole.WORKSTATION_LEADER,
    AssignmentRole.GRID_LEADER,
}


class AssignmentQuerySet(models.QuerySet):
    def current(self, on: date | None = None):
        on = on or timezone.localdate()
        return self.filter(start_date__lte=on).filter(Q(end_date__isnull=True) | Q(end_date__gte=on))


class Assignment(PathScopedModel):
    staff = models.ForeignKey(
        StaffMember, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="assignments"
    )
    unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(
        pgettext_lazy("responsibility", "role"), max_length=32, choices=AssignmentRole.choices
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        ordering = ["path", "role", "start_date"]
        indexes = [
            models.Index(fields=["unit", "role", "start_date"], name="assignment_unit_role"),
            models.Index(fields=["path"], name="assignment_path", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="assignment_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff} · {self.get_role_display()} · {self.unit}"

    def is_current(self, on: date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.start_date <= on and (self.end_date is None or self.end_date >= on)


class WorkingGroup(PathScopedModel):
    """A task group of an office (专班), one line of work: "一办十一组"."""

    office = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("office"), on_delete=models.PROTECT, related_name="working_groups"
    )
    name = models.CharField(_("name"), max_length=100)
    line_of_work = models.CharField(_("line of work"), max_length=200, blank=True)
    members = models.ManyToManyField(StaffMember, through="WorkingGroupMember", related_name="working_groups")
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")
        ordering = ["path", "name"]
        constraints = [models.UniqueConstraint(fields=["office", "name"], name="working_group_unique_name")]
        indexes = [
            models.Index(fields=["path"], name="working_group_path", opclasses=["varchar_pattern_ops"])
        ]

    def __str__(self) -> str:
        return self.name


class WorkingGroupMember(models.Model):
    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="memberships")
    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="group_memberships")
    is_lead = models.BooleanField(_("group lead"), default=False)

    class Meta:
        verbose_name = _("working-group member")
        verbose_name_plural = _("working-group members")
        constraints = [models.UniqueConstraint(fields=["group", "staff"], name="working_group_member_unique")]

    def __str__(self) -> str:
        return f"{self.staff} @ {self.group}"
