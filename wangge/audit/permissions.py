"""Permissions of the audit log: codes are stable, labels translated; registered from the AppConfig."""

from django.utils.translation import gettext_lazy as _

from wangge.core.permissions import Permission

AUDIT_VIEW = "audit.view"

PERMISSIONS = [
    Permission(AUDIT_VIEW, _("Browse the audit log"), roles=("office_leader",)),
]
