"""Permissions of accounts and roles: codes are stable, labels translated; registered from the AppConfig."""

from django.utils.translation import gettext_lazy as _

from wangge.core.permissions import Permission

ACCOUNTS_MANAGE = "accounts.manage"
ROLES_MANAGE = "accounts.manage_roles"

PERMISSIONS = [
    Permission(ACCOUNTS_MANAGE, _("Manage accounts in your jurisdiction"), roles=("office_leader",)),
    Permission(ROLES_MANAGE, _("Define roles and their permissions (district level)"), roles=()),
]
