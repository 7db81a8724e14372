from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "wangge.core"
    label = "core"

    def ready(self) -> None:
        from wangge.core.menu import MenuEntry, register_menu

        register_menu([MenuEntry("core:home", _("Home"), order=0)])
