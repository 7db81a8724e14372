from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "wangge.audit"
    label = "audit"

    def ready(self) -> None:
        from wangge.audit import api
        from wangge.audit.permissions import AUDIT_VIEW, PERMISSIONS
        from wangge.core.api import register_api_router
        from wangge.core.menu import MenuEntry, register_menu
        from wangge.core.permissions import register_permissions

        register_permissions(PERMISSIONS)
        register_menu([MenuEntry("audit:event_list", _("Audit log"), AUDIT_VIEW, order=430, group="system")])
        register_api_router("/audit", api.router, order=40)
        from wangge.audit.services import request_context
        from wangge.core.lean import register_request_context

        register_request_context(request_context)
