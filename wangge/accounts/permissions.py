"""The catalogue of permissions a role can grant. Codes are stable; labels are translated."""

from django.utils.translation import gettext_lazy as _

ORG_VIEW = "org.view"
ORG_EDIT = "org.edit"
ROSTER_VIEW = "roster.view"
ROSTER_EDIT = "roster.edit"
ROSTER_VIEW_CONTACT = "roster.view_contact"
AUDIT_VIEW = "audit.view"
REGISTRY_VIEW = "registry.view"
REGISTRY_EDIT = "registry.edit"
REGISTRY_VIEW_IDS = "registry.view_ids"
REGISTRY_VIEW_PHONES = "registry.view_phones"
REGISTRY_IMPORT = "registry.import"
REGISTRY_EXPORT = "registry.export"
TESTING_VIEW = "testing.view"
TESTING_MANAGE = "testing.manage"
TESTING_REGISTER = "testing.register"
TESTING_TRANSPORT = "testing.transport"
TESTING_RESULTS = "testing.results"
TESTING_EXPORT = "testing.export"
SCREENING_VIEW = "screening.view"
SCREENING_SCREEN = "screening.screen"
SCREENING_DECIDE = "screening.decide"
SCREENING_APPROVE = "screening.approve"
SCREENING_FOLLOWUP = "screening.followup"
SCREENING_RULES = "screening.rules"
ACCOUNTS_MANAGE = "accounts.manage"
ROLES_MANAGE = "accounts.manage_roles"

CATALOGUE: dict[str, str] = {
    ORG_VIEW: _("View the tree of units"),
    ORG_EDIT: _("Create, rename, move and close units"),
    ROSTER_VIEW: _("View the roster"),
    ROSTER_EDIT: _("Edit the roster and responsibilities"),
    ROSTER_VIEW_CONTACT: _("See full phone and ID numbers on the roster"),
    AUDIT_VIEW: _("Browse the audit log"),
    REGISTRY_VIEW: _("View buildings, households and people"),
    REGISTRY_EDIT: _("Register and change buildings, households, people, rentals and visits"),
    REGISTRY_VIEW_IDS: _("See full ID numbers in the registry"),
    REGISTRY_VIEW_PHONES: _("See full phone numbers in the registry"),
    REGISTRY_IMPORT: _("Import registry files"),
    REGISTRY_EXPORT: _("Export registry lists"),
    TESTING_VIEW: _("View testing rounds, sites, plans and coverage"),
    TESTING_MANAGE: _("Plan testing rounds: population, sites, calling plan and notices"),
    TESTING_REGISTER: _("Register people into tubes at a sampling table"),
    TESTING_TRANSPORT: _("Pack boxes and record handovers of samples"),
    TESTING_RESULTS: _("Upload and resolve lab results"),
    TESTING_EXPORT: _("Export lists of untested people"),
    SCREENING_VIEW: _("View key people, screening records, measures and follow-up"),
    SCREENING_SCREEN: _("Record screening and import lists of people to screen"),
    SCREENING_DECIDE: _("Decide control measures and release people from them"),
    SCREENING_APPROVE: _("Approve confining and bulk measures (office level and above)"),
    SCREENING_FOLLOWUP: _("Record daily checks, tests and services for people under measures"),
    SCREENING_RULES: _("Edit key-people categories, risk areas and measure rules (district level)"),
    ACCOUNTS_MANAGE: _("Manage accounts in your jurisdiction"),
    ROLES_MANAGE: _("Define roles and their permissions (district level)"),
}
