from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "wangge.duty"
    label = "duty"

    def ready(self) -> None:
        from wangge.core.api import register_api_router
        from wangge.core.home import HomeItem, register_home_item
        from wangge.core.menu import MenuEntry, MenuGroup, register_menu, register_menu_group
        from wangge.core.offline import register_offline_assets
        from wangge.core.permissions import register_permissions
        from wangge.duty import (
            audit_labels,
            models,  # noqa: F401  (path-scoped tables register themselves)
        )
        from wangge.duty import home_items as items
        from wangge.duty.checkpoints import api as api_checkpoints
        from wangge.duty.entries import api as api_entries
        from wangge.duty.permissions import DUTY_LOG, DUTY_MANAGE, DUTY_VIEW, DUTY_VOLUNTEERS, PERMISSIONS
        from wangge.duty.shifts import api as api_shifts
        from wangge.duty.volunteers import api as api_volunteers

        register_permissions(PERMISSIONS)
        audit_labels.register()
        register_menu_group(MenuGroup("duty", _("Checkpoints and volunteers"), order=350))
        register_menu(
            [
                MenuEntry("duty:checkpoints", _("Checkpoints"), DUTY_VIEW, order=600, group="duty"),
                MenuEntry(
                    "duty:post_pick", _("Log entries at a checkpoint"), DUTY_LOG, order=610, group="duty"
                ),
                MenuEntry("duty:gaps", _("Unfilled shifts"), DUTY_VIEW, order=620, group="duty"),
                MenuEntry("duty:calendar", _("Duty calendar"), DUTY_VIEW, order=630, group="duty"),
                MenuEntry("duty:volunteers", _("Volunteers"), DUTY_VIEW, order=640, group="duty"),
            ]
        )
        for item in (
            HomeItem("duty-tonight-gaps", _("Tonight's unfilled checkpoint shifts"), items.tonight_gaps,
                     "duty:gaps", DUTY_MANAGE, group="duty", urgent=True, order=600),
            HomeItem("duty-to-vet", _("Volunteers to vet"), items.to_vet,
                     items.volunteers_pending_url, DUTY_VOLUNTEERS, group="duty", order=610),
            HomeItem("duty-escalations", _("People under a confining measure seen at a checkpoint today"),
                     items.escalations_today, "screening:escalations", DUTY_VIEW, group="duty",
                     urgent=True, order=620),
        ):  # fmt: skip
            register_home_item(item)
        # The checkpoint's phone page opens with no network (its views are @offline_page).
        register_offline_assets("wangge/checkpoint.js", "vendor/html5-qrcode-2.3.8.min.js")
        for order, part in enumerate((api_checkpoints, api_shifts, api_entries, api_volunteers)):
            register_api_router("/duty", part.router, order=600 + order)
