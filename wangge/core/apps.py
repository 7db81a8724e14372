from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "wangge.core"
    label = "core"

    def ready(self) -> None:
        from wangge.core.menu import MenuEntry, MenuGroup, register_menu, register_menu_group
        from wangge.core.offline import register_offline_assets

        register_menu([MenuEntry("core:home", _("Home"), order=0)])
        # The task groups of the navigation; a later part adds its own (venues, gatherings …).
        for group in (
            MenuGroup("registry", _("Registry"), order=100),
            MenuGroup("testing", _("Testing"), order=200),
            MenuGroup("screening", _("Screening and control"), order=300),
            MenuGroup("org", _("Organisation"), order=400),
            MenuGroup("system", _("System"), order=900),
        ):
            register_menu_group(group)
        # The app shell every page loads; a part adds the scripts of its offline-capable pages.
        register_offline_assets(
            "wangge/app.css",
            "wangge/app.js",
            "wangge/offline.js",
            "vendor/htmx-2.0.11.min.js",
            "wangge/icons/icon-192.png",
            "wangge/icons/apple-touch-icon.png",
        )
