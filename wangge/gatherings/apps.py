from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "wangge.gatherings"
    label = "gatherings"

    def ready(self) -> None:
        # Gathering reports (报备), their rules and approvals, the day and after.
        from wangge.core.api import register_api_router
        from wangge.core.home import HomeItem, register_home_item
        from wangge.core.menu import MenuEntry, MenuGroup, register_menu, register_menu_group
        from wangge.core.offline import register_offline_assets
        from wangge.core.permissions import register_permissions
        from wangge.gatherings import audit_labels
        from wangge.gatherings import home_items as items
        from wangge.gatherings.permissions import (
            GATHERINGS_REPORT,
            GATHERINGS_SUPERVISE,
            GATHERINGS_VIEW,
            PERMISSIONS,
        )
        from wangge.gatherings.reports import api
        from wangge.gatherings.rules import api as kinds_api

        register_permissions(PERMISSIONS)
        audit_labels.register()
        register_menu_group(MenuGroup("gatherings", _("Gatherings (报备)"), order=350))
        register_menu(
            [
                MenuEntry(
                    "gatherings:list",
                    _("Gatherings reported"),
                    GATHERINGS_VIEW,
                    order=360,
                    group="gatherings",
                ),
                MenuEntry(
                    "gatherings:new",
                    _("Report a gathering"),
                    GATHERINGS_REPORT,
                    order=361,
                    group="gatherings",
                ),
                MenuEntry(
                    "gatherings:week",
                    _("Gatherings today and this week"),
                    GATHERINGS_VIEW,
                    order=362,
                    group="gatherings",
                ),
                MenuEntry(
                    "gatherings:after_due",
                    _("After-event records"),
                    GATHERINGS_SUPERVISE,
                    order=363,
                    group="gatherings",
                ),
                MenuEntry(
                    "gatherings:rules",
                    _("Rules for gatherings"),
                    GATHERINGS_VIEW,
                    order=364,
                    group="gatherings",
                ),
                MenuEntry(
                    "gatherings:kinds",
                    _("Kinds of gathering"),
                    GATHERINGS_VIEW,
                    order=365,
                    group="gatherings",
                ),
            ]
        )
        for item in (
            HomeItem("gatherings-decide", _("Gatherings to file or approve"), items.to_decide,
                     items.list_url(status="pending"), GATHERINGS_VIEW, group="gatherings", urgent=True, order=400),
            HomeItem("gatherings-supervise", _("Gatherings to supervise today"), items.to_supervise_today,
                     items.list_url(when="today"), GATHERINGS_SUPERVISE, group="gatherings", order=410),
            HomeItem("gatherings-after-overdue", _("After-event records overdue"), items.after_overdue,
                     "gatherings:after_due", GATHERINGS_SUPERVISE, group="gatherings", urgent=True, order=420),
        ):  # fmt: skip
            register_home_item(item)
        # The supervisor's page on the day opens with no network (its view is @offline_page).
        register_offline_assets("wangge/gathering_day.js")
        register_api_router("/gatherings", kinds_api.router, order=499)
        register_api_router("/gatherings", api.router, order=500)
