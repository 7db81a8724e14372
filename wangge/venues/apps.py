from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "wangge.venues"
    label = "venues"

    def ready(self) -> None:
        from wangge.core.api import register_api_router
        from wangge.core.home import HomeItem, register_home_item
        from wangge.core.menu import MenuEntry, MenuGroup, register_menu, register_menu_group
        from wangge.core.permissions import register_permissions
        from wangge.venues import (
            audit_labels,
            models,  # noqa: F401  (Venue inherits PathScopedModel)
        )
        from wangge.venues import home_items as items
        from wangge.venues.permissions import (
            PERMISSIONS,
            VENUES_KINDS,
            VENUES_MANAGE,
            VENUES_OWN,
            VENUES_VIEW,
        )
        from wangge.venues.places import api as api_places
        from wangge.venues.records import api as api_records

        register_permissions(PERMISSIONS)
        audit_labels.register()
        register_menu_group(MenuGroup("venues", _("Venue inspection"), order=350))
        register_menu(
            [
                MenuEntry("venues:venue_list", _("Key venues"), VENUES_VIEW, order=400, group="venues"),
                MenuEntry(
                    "venues:venue_create", _("Register a venue"), VENUES_MANAGE, order=410, group="venues"
                ),
                MenuEntry("venues:kinds", _("Kinds of venue"), VENUES_KINDS, order=420, group="venues"),
                MenuEntry("venues:own_home", _("My venue"), VENUES_OWN, order=430, group="venues"),
            ]
        )
        for item in (
            HomeItem("venues-own-disinfection", _("Today's disinfection not yet logged"), items.own_disinfection_today,
                     "venues:own_home", VENUES_OWN, group="venues", urgent=True, order=400, without_area=True),
            HomeItem("venues-own-register", _("Visitor register: no visitor logged today"), items.own_register_today,
                     "venues:own_home", VENUES_OWN, group="venues", order=410, without_area=True),
        ):  # fmt: skip
            register_home_item(item)
        register_api_router("/venues", api_places.router, order=400)
        register_api_router("/venues", api_records.router, order=401)
