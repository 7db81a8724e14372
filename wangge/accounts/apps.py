from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "wangge.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from wangge.accounts import api
        from wangge.accounts.models import ApiToken, Role, User
        from wangge.accounts.permissions import ACCOUNTS_MANAGE, PERMISSIONS
        from wangge.accounts.services import clear_token_cache, user_for_token
        from wangge.core.api import register_api_router, set_token_resolver
        from wangge.core.menu import MenuEntry, register_menu
        from wangge.core.permissions import register_permissions
        from wangge.org.models import OrgUnit

        register_permissions(PERMISSIONS)
        register_menu(
            [MenuEntry("accounts:user_list", _("Accounts"), ACCOUNTS_MANAGE, order=440, group="system")]
        )
        register_api_router("/auth", api.router, order=10)
        set_token_resolver(user_for_token)

        # An account, token, role or unit that changes: the remembered token accounts go.
        for model in (User, ApiToken, Role, OrgUnit):
            post_save.connect(clear_token_cache, sender=model, dispatch_uid=f"token-cache-{model.__name__}")
            post_delete.connect(
                clear_token_cache, sender=model, dispatch_uid=f"token-cache-del-{model.__name__}"
            )
        m2m_changed.connect(clear_token_cache, sender=User.roles.through, dispatch_uid="token-cache-roles")
