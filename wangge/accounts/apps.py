from django.apps import AppConfig


class Config(AppConfig):
    name = "wangge.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from wangge.accounts.models import ApiToken, Role, User
        from wangge.accounts.services import clear_token_cache
        from wangge.org.models import OrgUnit

        # An account, token, role or unit that changes: the remembered token accounts go.
        for model in (User, ApiToken, Role, OrgUnit):
            post_save.connect(clear_token_cache, sender=model, dispatch_uid=f"token-cache-{model.__name__}")
            post_delete.connect(
                clear_token_cache, sender=model, dispatch_uid=f"token-cache-del-{model.__name__}"
            )
        m2m_changed.connect(clear_token_cache, sender=User.roles.through, dispatch_uid="token-cache-roles")
