from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "wangge.inspections"
    label = "inspections"

    def ready(self) -> None:
        # Checklists, inspections (督查), rectification orders, joint patrols and disinfection plans.
        from wangge.core.api import register_api_router
        from wangge.core.home import HomeItem, register_home_item
        from wangge.core.menu import MenuEntry, MenuGroup, menu_groups, register_menu, register_menu_group
        from wangge.core.offline import register_offline_assets
        from wangge.core.paths import register_path_scoped
        from wangge.core.permissions import register_permissions
        from wangge.core.sections import RecordSection
        from wangge.inspections import api, audit_labels, home_items, venue_section
        from wangge.inspections import models as m
        from wangge.inspections.orders import own
        from wangge.inspections.orders.hooks import register_venue_actor_check
        from wangge.inspections.permissions import (
            INSPECTIONS_DISINFECT,
            INSPECTIONS_INSPECT,
            INSPECTIONS_VIEW,
            PERMISSIONS,
        )
        from wangge.venues.permissions import VENUES_OWN
        from wangge.venues.sections import register_venue_section

        register_permissions(PERMISSIONS)
        audit_labels.register()
        for model in (m.Campaign, m.Inspection, m.Order, m.DisinfectionPlan):
            register_path_scoped(model)
        if "venues" not in menu_groups():
            register_menu_group(MenuGroup("venues", _("Venue inspections"), order=350))
        register_menu(
            [
                MenuEntry("inspections:campaigns", _("Inspection campaigns"), INSPECTIONS_VIEW, order=360, group="venues"),
                MenuEntry("inspections:due", _("Due for inspection"), INSPECTIONS_INSPECT, order=362, group="venues"),
                MenuEntry("inspections:orders", _("Rectification orders"), INSPECTIONS_VIEW, order=364, group="venues"),
                MenuEntry("inspections:checklists", _("Checklists"), INSPECTIONS_VIEW, order=366, group="venues"),
                MenuEntry("inspections:disinfection", _("Disinfection plans"), INSPECTIONS_DISINFECT, order=368, group="venues"),
            ]
        )  # fmt: skip
        for item in (
            HomeItem("inspections-due", _("Venues due for inspection"), home_items.due,
                     "inspections:due", INSPECTIONS_INSPECT, group="venues", order=360),
            HomeItem("inspections-overdue-orders", _("Rectification orders past their deadline"), home_items.overdue,
                     home_items.orders_url("overdue"), INSPECTIONS_VIEW, group="venues", urgent=True, order=362),
            HomeItem("inspections-own-orders", _("Rectification orders to acknowledge"), own.to_acknowledge,
                     "inspections:mine_orders", VENUES_OWN, group="venues", urgent=True, order=405, without_area=True),
            HomeItem("inspections-reinspect", _("Orders to re-inspect"), home_items.to_reinspect,
                     home_items.orders_url("reinspect"), INSPECTIONS_INSPECT, group="venues", order=364),
        ):  # fmt: skip
            register_home_item(item)
        # A venue's own account may acknowledge its venue's orders (the venues part's account link).
        register_venue_actor_check(own.is_venue_account_of)
        register_venue_section(
            RecordSection("inspections", "inspections/venue_section.html", venue_section.context, order=500)
        )
        register_api_router("/inspections", api.router, order=500)
        register_offline_assets("wangge/inspect.js")
