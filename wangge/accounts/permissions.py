"""The catalogue of permissions a role can grant. Codes are stable; labels are translated."""

from django.utils.translation import gettext_lazy as _

ORG_VIEW = "org.view"
ORG_EDIT = "org.edit"
ROSTER_VIEW = "roster.view"
ROSTER_EDIT = "roster.edit"
ROSTER_VIEW_CONTACT = "roster.view_contact"
AUDIT_VIEW = "audit.view"
ACCOUNTS_MANAGE = "accounts.manage"
ROLES_MANAGE = "accounts.manage_roles"

CATALOGUE: dict[str, str] = {
    ORG_VIEW: _("View the tree of units"),
    ORG_EDIT: _("Create, rename, move and close units"),
    ROSTER_VIEW: _("View the roster"),
    ROSTER_EDIT: _("Edit the roster and responsibilities"),
    ROSTER_VIEW_CONTACT: _("See full phone and ID numbers on the roster"),
    AUDIT_VIEW: _("Browse the audit log"),
    ACCOUNTS_MANAGE: _("Manage accounts in your jurisdiction"),
    ROLES_MANAGE: _("Define roles and their permissions (district level)"),
}
