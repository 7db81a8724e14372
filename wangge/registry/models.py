"""The registry: places (buildings, rooms), households, people, rentals and shops, tenants,
visits and party-member links. Every row copies the path of the level-3 grid its place belongs
to, so scoping is one prefix query; moving a building re-paths everything in it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wangge.registry.shortcode import new_short_code


class BuildingKind(models.TextChoices):
    RESIDENTIAL = "residential", _("Residential block")
    VILLAGE_HOUSE = "village_house", _("Self-built village house")
    DORMITORY = "dormitory", _("Dormitory / apartment")
    SHOP_ROW = "shop_row", _("Shop row")
    FACTORY = "factory", _("Factory")
    OTHER = "other", _("Other")


class Building(models.Model):
    grid = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="buildings"
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=BuildingKind.choices, default=BuildingKind.RESIDENTIAL
    )
    name = models.CharField(_("building"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    unit_count = models.PositiveSmallIntegerField(_("units (单元)"), default=1)
    floor_count = models.PositiveSmallIntegerField(_("floors"), default=1)
    note = models.TextField(_("note"), blank=True)
    path = models.CharField(max_length=255, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["path", "name"]
        constraints = [models.UniqueConstraint(fields=["grid", "name"], name="building_unique_name_per_grid")]
        indexes = [models.Index(fields=["path"], name="building_path", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name


class Room(models.Model):
    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="rooms"
    )
    unit_label = models.CharField(_("unit (单元)"), max_length=20, blank=True)
    floor = models.SmallIntegerField(_("floor"), default=1)
    number = models.CharField(_("room"), max_length=20)
    path = models.CharField(max_length=255, editable=False)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["building_id", "unit_label", "floor", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "unit_label", "number"], name="room_unique_in_building"
            )
        ]
        indexes = [models.Index(fields=["path"], name="room_path", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        unit = f"{self.unit_label}" if self.unit_label else ""
        return f"{self.building.name}{unit}{self.number}"


class Household(models.Model):
    room = models.ForeignKey(
        Room, verbose_name=_("room"), on_delete=models.PROTECT, related_name="households"
    )
    address = models.CharField(_("address"), max_length=250, blank=True)
    head = models.ForeignKey(
        "Person",
        verbose_name=_("head of household"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    path = models.CharField(max_length=255, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["path", "address"]
        indexes = [
            models.Index(fields=["path"], name="household_path", opclasses=["varchar_pattern_ops"]),
            # Open households per grid (party-link coverage, my grid, the unvisited list read grid
            # by grid): counted from the index alone.
            models.Index(
                fields=["path", "id"], name="household_open_path", condition=Q(closed_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return self.address or str(self.room)


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident ID card")
    PASSPORT = "passport", _("Passport")
    HK_MACAO = "hk_macao", _("Hong Kong / Macao permit")
    TAIWAN = "taiwan", _("Taiwan permit")
    FOREIGN_PR = "foreign_pr", _("Foreign permanent residence card")
    OTHER = "other", _("Other document")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")
    UNKNOWN = "", _("Not stated")


class ResidentStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered resident (户籍)")
    MIGRANT = "migrant", _("Migrant (流动人口)")
    TENANT = "tenant", _("Tenant")
    PROVISIONAL = "provisional", _("Provisional (registered at a sampling site)")


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDCHILD = "grandchild", _("Grandchild")
    SIBLING = "sibling", _("Sibling")
    TENANT = "tenant", _("Tenant / lodger")
    COLLEAGUE = "colleague", _("Co-worker (dormitory)")
    OTHER = "other", _("Other")


class Person(models.Model):
    """One person, one record across the district. Departed people stay searchable but leave the counts."""

    name = models.CharField(pgettext_lazy("person", "name"), max_length=60)
    name_initials = models.CharField(max_length=30, editable=False, db_index=True)
    id_type = models.CharField(
        _("ID type"), max_length=16, choices=IdType.choices, default=IdType.RESIDENT_ID
    )
    id_number = models.CharField(_("ID number"), max_length=32)
    id_warning = models.CharField(max_length=200, blank=True, editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True, default="")
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ResidentStatus.choices, default=ResidentStatus.REGISTERED
    )
    hukou_place = models.CharField(_("place of household registration"), max_length=200, blank=True)
    origin = models.CharField(_("origin"), max_length=200, blank=True)
    employer = models.CharField(_("employer"), max_length=200, blank=True)
    arrival_date = models.DateField(_("arrival date"), null=True, blank=True)
    departure_date = models.DateField(_("departure date"), null=True, blank=True)
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    relation = models.CharField(_("relation to head"), max_length=16, choices=Relation.choices, blank=True)
    grid = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="people"
    )
    path = models.CharField(max_length=255, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    code_version = models.PositiveIntegerField(default=1, editable=False)
    # The code a resident types (registry/shortcode.py): random, unique, replaced when the code is revoked.
    # Nullable only for rows written by raw SQL elsewhere; those get one on first display.
    short_code = models.CharField(
        _("short code"),
        max_length=12,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        default=new_short_code,
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["path", "name", "id"]
        constraints = [
            # The same document cannot be active in two places.
            models.UniqueConstraint(
                fields=["id_type", "id_number"],
                condition=Q(is_active=True),
                name="person_unique_active_document",
            ),
        ]
        indexes = [
            models.Index(
                fields=["path", "name"],
                name="person_path_name",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["id_number"], name="person_id_number"),
            models.Index(fields=["phone"], name="person_phone"),
            models.Index(fields=["name"], name="person_name"),
            # The active people under a path, from the index: the people list counts them (up
            # to a cap) for an office without walking the table to the office's first row.
            models.Index(
                fields=["path"],
                name="person_active_path",
                opclasses=["varchar_pattern_ops"],
                condition=Q(is_active=True, merged_into__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PersonMove(models.Model):
    """A transfer of a person between households or grids: history is kept, never rewritten."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="moves")
    from_household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_path = models.CharField(max_length=255, blank=True)
    to_path = models.CharField(max_length=255, blank=True)
    kind = models.CharField(max_length=16)  # arrive, move, depart, return, merge
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.person_id} {self.at:%Y-%m-%d}"


class RentalKind(models.TextChoices):
    DWELLING = "dwelling", _("Rented dwelling (出租屋)")
    SHOP = "shop", _("Street-facing shop (沿街门店)")


class RentalStatus(models.TextChoices):
    LET = "let", _("Let")
    VACANT = "vacant", _("Vacant")
    SELF_USE = "self_use", _("Self-use")


class Rental(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=RentalKind.choices, default=RentalKind.DWELLING)
    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="rentals"
    )
    room = models.ForeignKey(
        Room, verbose_name=_("room"), null=True, blank=True, on_delete=models.PROTECT, related_name="rentals"
    )
    name = models.CharField(_("name / sign"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=250, blank=True)
    landlord = models.ForeignKey(
        Person, verbose_name=_("landlord"), on_delete=models.PROTECT, related_name="rentals_owned"
    )
    manager_name = models.CharField(_("manager"), max_length=60, blank=True)
    manager_phone = models.CharField(_("manager's phone"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RentalStatus.choices, default=RentalStatus.LET
    )
    rooms = models.PositiveSmallIntegerField(_("rooms"), default=1)
    capacity = models.PositiveSmallIntegerField(_("capacity (people)"), default=1)
    pledge_signed_on = models.DateField(_("pledge signed on"), null=True, blank=True)
    pledge_file = models.FileField(_("scanned pledge"), upload_to="pledges/%Y/%m/", blank=True)
    placards_posted_on = models.DateField(_("code placards posted on"), null=True, blank=True)
    placards_posted_by = models.CharField(_("placards posted by"), max_length=60, blank=True)
    # A roll may say only 是 under 是否张贴两码: posted, on a date nobody wrote down.
    placards_posted = models.BooleanField(_("code placards posted"), default=False, db_default=False)
    co_landlords = models.ManyToManyField(
        Person, verbose_name=_("co-landlords"), blank=True, related_name="rentals_co_owned"
    )
    note = models.TextField(_("note"), blank=True)
    path = models.CharField(max_length=255, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("rental or shop")
        verbose_name_plural = _("rentals and shops")
        ordering = ["path", "address", "id"]
        indexes = [models.Index(fields=["path"], name="rental_path", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name or self.address or f"#{self.pk}"


class Tenancy(models.Model):
    rental = models.ForeignKey(
        Rental, verbose_name=_("rental"), on_delete=models.PROTECT, related_name="tenancies"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("tenant"), on_delete=models.PROTECT, related_name="tenancies"
    )
    move_in = models.DateField(_("moved in"))
    move_out = models.DateField(_("moved out"), null=True, blank=True)
    reported_on = models.DateField(_("reported on"))
    from_risk_area = models.BooleanField(_("arrived from a risk area"), default=False)
    path = models.CharField(max_length=255, editable=False)

    class Meta:
        verbose_name = _("tenancy")
        verbose_name_plural = _("tenancies")
        ordering = ["-move_in", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(move_out__isnull=True) | Q(move_out__gte=models.F("move_in")),
                name="tenancy_period_ordered",
            ),
        ]
        indexes = [models.Index(fields=["path"], name="tenancy_path", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return f"{self.person} @ {self.rental}"


class RentalPolicy(models.Model):
    """Rules as data: how late a new tenant may be reported, and how full a rental may be."""

    name = models.CharField(_("name"), max_length=100)
    report_within_working_days = models.PositiveSmallIntegerField(
        _("report a new tenant within (working days)"), default=1
    )
    max_people_per_room = models.PositiveSmallIntegerField(
        _("most people per room (0: use capacity)"), default=0
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("rental policy")
        verbose_name_plural = _("rental policies")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return self.name


class VisitOutcome(models.TextChoices):
    MET = "met", _("Met the residents")
    NOBODY_HOME = "nobody_home", _("Nobody home")
    REFUSED = "refused", _("Refused")
    ISSUE_FOUND = "issue_found", _("Problem found")


class Visit(models.Model):
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.CASCADE, related_name="visits"
    )
    rental = models.ForeignKey(Rental, null=True, blank=True, on_delete=models.CASCADE, related_name="visits")
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    visitor_name = models.CharField(_("visited by"), max_length=60)
    visited_at = models.DateTimeField(_("visited at"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=16, choices=VisitOutcome.choices)
    notes = models.TextField(_("notes"), blank=True)
    follow_up_needed = models.BooleanField(_("follow-up needed"), default=False)
    follow_up_done_at = models.DateTimeField(_("follow-up done"), null=True, blank=True)
    path = models.CharField(max_length=255, editable=False)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(household__isnull=False) & Q(rental__isnull=True))
                | (Q(household__isnull=True) & Q(rental__isnull=False)),
                name="visit_has_one_target",
            ),
        ]
        indexes = [
            models.Index(
                fields=["path", "visited_at"], name="visit_path_at", opclasses=["varchar_pattern_ops", ""]
            ),
            # Open follow-ups (a few among hundreds of thousands of visits): the home counts them
            # and their list pages through them from this small index.
            models.Index(
                fields=["path", "visited_at"],
                name="visit_open_follow_up",
                opclasses=["varchar_pattern_ops", ""],
                condition=Q(follow_up_needed=True, follow_up_done_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.visited_at:%Y-%m-%d}"


class PartyLink(models.Model):
    """A party member linked to a household for a period (党员联户)."""

    member = models.ForeignKey(
        "roster.StaffMember",
        verbose_name=_("party member"),
        on_delete=models.PROTECT,
        related_name="party_links",
    )
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="party_links"
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    path = models.CharField(max_length=255, editable=False)

    class Meta:
        verbose_name = _("party-member link")
        verbose_name_plural = _("party-member links")
        ordering = ["path", "start_date"]
        indexes = [models.Index(fields=["path"], name="partylink_path", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return f"{self.member} → {self.household}"


class ImportKind(models.TextChoices):
    BUILDINGS = "buildings", _("Buildings")
    HOUSEHOLDS = "households", _("Households")
    PEOPLE = "people", _("People")
    RENTALS = "rentals", _("Rentals and shops")
    TENANTS = "tenants", _("Tenants")
    RENTAL_ROLL = "rental_roll", _("Rental roll (出租屋登记表)")


class ImportMode(models.TextChoices):
    VALID_ROWS = "valid_rows", _("Import the valid rows")
    ALL_OR_NOTHING = "all_or_nothing", _("All or nothing")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    PREVIEWED = "previewed", _("Previewed")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    REJECTED = "rejected", _("Rejected (all or nothing)")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    """One uploaded file on its way in: preview, validation, the chosen mode, progress, the bad rows."""

    kind = models.CharField(_("what"), max_length=16, choices=ImportKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scope_unit = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, related_name="+")
    path = models.CharField(max_length=255, editable=False)
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    encoding = models.CharField(max_length=16, blank=True)
    mapping = models.JSONField(default=dict, blank=True)
    mode = models.CharField(
        _("mode"), max_length=16, choices=ImportMode.choices, default=ImportMode.VALID_ROWS
    )
    status = models.CharField(max_length=16, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_rows = models.PositiveIntegerField(default=0)
    updated_rows = models.PositiveIntegerField(default=0)
    unchanged_rows = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    errors_file = models.FileField(upload_to="imports/errors/%Y/%m/", blank=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["path"], name="importjob_path", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.original_name

    @property
    def warned_rows(self) -> int:
        """Rows imported with a warning (a doubtful phone left out…): in the error file too."""
        return int(self.mapping.get("warned_rows", 0) or 0)

    @property
    def sheet_names(self) -> list[str]:
        """The sheets of the uploaded workbook ([] for a CSV file)."""
        return list(self.mapping.get("sheets", []))


class AddressRuleKind(models.TextChoices):
    GROUP = "group", _("Village group (组)")
    STREET = "street", _("Street and house numbers")


class AddressRule(models.Model):
    """Where a new house of a village goes: its group (组) number, or its street and a range of
    house numbers, names the level-3 grid. Kept as data per village and edited by the village."""

    village = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("village / community"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("rule by"), max_length=10, choices=AddressRuleKind.choices)
    group_no = models.PositiveSmallIntegerField(_("group (组) number"), null=True, blank=True)
    street = models.CharField(_("street"), max_length=100, blank=True)
    number_from = models.PositiveIntegerField(_("from number"), null=True, blank=True)
    number_to = models.PositiveIntegerField(_("to number"), null=True, blank=True)
    grid = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+"
    )
    path = models.CharField(max_length=255, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("address rule")
        verbose_name_plural = _("address rules")
        ordering = ["village_id", "kind", "group_no", "street", "number_from", "id"]
        indexes = [models.Index(fields=["path"], name="addressrule_path", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        if self.kind == AddressRuleKind.GROUP:
            return f"{self.group_no}组 → {self.grid}"
        span = ""
        if self.number_from or self.number_to:
            span = f" {self.number_from or 1}–{self.number_to or ''}号"
        return f"{self.street}{span} → {self.grid}"


class HeldRowReason(models.TextChoices):
    UNPLACED = "unplaced", _("House not yet placed in a grid")
    TRANSFER = "transfer", _("Tenant registered elsewhere: transfer to confirm")


class HeldRowStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    DONE = "done", _("Done")
    DISMISSED = "dismissed", _("Dismissed")


class HeldRow(models.Model):
    """A row of a rental roll that waits for a person: a house whose address no rule places in
    a grid, or a tenant living elsewhere whose move must be confirmed. The row's values are kept
    as read, so placing or confirming writes it exactly as an import would; nothing is lost."""

    job = models.ForeignKey(ImportJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    village = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("village / community"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=10, choices=HeldRowReason.choices)
    address = models.CharField(_("address"), max_length=250)
    group_no = models.PositiveSmallIntegerField(_("group (组) number"), null=True, blank=True)
    street = models.CharField(_("street"), max_length=100, blank=True)
    house_number = models.PositiveIntegerField(_("house number"), null=True, blank=True)
    row_number = models.PositiveIntegerField(_("row"), default=0)
    values = models.JSONField(default=dict)
    fingerprint = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=HeldRowStatus.choices, default=HeldRowStatus.WAITING)
    error = models.TextField(blank=True)
    path = models.CharField(max_length=255, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("held row")
        verbose_name_plural = _("held rows")
        ordering = ["group_no", "street", "house_number", "address", "row_number", "id"]
        constraints = [
            # The same row imported twice waits once.
            models.UniqueConstraint(
                fields=["village", "fingerprint"],
                condition=Q(status="waiting"),
                name="heldrow_waiting_once",
            ),
        ]
        indexes = [models.Index(fields=["path"], name="heldrow_path", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.address


class DuplicateScanStatus(models.TextChoices):
    RUNNING = "running", _("Computing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class DuplicateScan(models.Model):
    """One search for likely duplicates of one kind over the whole registry, run in the
    background (people/candidates.py). Pages read its members within the reader's scope, so
    the million-row GROUP BYs run once per refresh instead of once per page view."""

    kind = models.CharField(max_length=16)
    status = models.CharField(
        max_length=10, choices=DuplicateScanStatus.choices, default=DuplicateScanStatus.RUNNING
    )
    started_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)
    groups = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["kind", "status", "-finished_at"], name="dupscan_kind_status")]

    def __str__(self) -> str:
        return f"{self.kind} {self.started_at:%Y-%m-%d %H:%M}"


class DuplicateMember(models.Model):
    """A person in a group of likely duplicates found by a scan. `path` and `is_active` are the
    person's when the scan ran: a reader counts a group's members under its own scope with them,
    then fetches the people themselves through the scope (so a stale row never shows anyone)."""

    scan = models.ForeignKey(DuplicateScan, on_delete=models.CASCADE, related_name="members")
    group = models.PositiveIntegerField()  # 0 is the biggest group of the scan
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=255)
    is_active = models.BooleanField(default=True)

    class Meta:
        indexes = [
            models.Index(fields=["path"], name="dupmember_path", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["scan", "group"], name="dupmember_scan_group"),
        ]

    def __str__(self) -> str:
        return f"{self.scan_id}/{self.group}: {self.person_id}"
