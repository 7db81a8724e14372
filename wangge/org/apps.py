from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "wangge.org"
    label = "org"

    def ready(self) -> None:
        from django.urls import reverse

        from wangge.audit.display import register_object_url, register_reference
        from wangge.core.api import register_api_router
        from wangge.core.menu import MenuEntry, register_menu
        from wangge.core.permissions import register_permissions
        from wangge.org import api, selectors
        from wangge.org.permissions import ORG_VIEW, PERMISSIONS

        register_permissions(PERMISSIONS)
        register_menu([MenuEntry("org:tree", _("Tree"), ORG_VIEW, order=400, group="org")])
        register_api_router("/units", api.router, order=20)
        register_reference(
            "unit",
            lambda scope, ids: selectors.units(scope, include_closed=True).filter(pk__in=ids),
            "unit_id",
            "parent_id",
            "office_id",
            "jurisdiction_id",
            "grid_id",
        )
        register_object_url(
            "org.orgunit", lambda pk, snap: reverse("org:unit_detail", kwargs={"unit_id": pk})
        )
