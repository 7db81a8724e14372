from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "wangge.core"
    label = "core"

    def ready(self) -> None:
        from wangge.core.menu import MenuEntry, MenuGroup, register_menu, register_menu_group

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
