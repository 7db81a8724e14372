import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.core.permissions import is_known


class Role(models.Model):
    """A named bundle of permissions; roles are data so an office can define its own."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    permissions = models.JSONField(_("permissions"), default=list, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean_permissions(self) -> list[str]:
        return [p for p in self.permissions if is_known(p)]


class User(AbstractUser):
    """A login. Its jurisdiction is the org unit whose subtree it may see; none sees nothing."""

    jurisdiction = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("jurisdiction"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    roles = models.ManyToManyField(Role, verbose_name=_("roles"), blank=True, related_name="users")
    staff = models.OneToOneField(
        "roster.StaffMember",
        verbose_name=_("roster entry"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account",
    )
    display_name = models.CharField(_("display name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return self.display_name or self.username

    def permission_codes(self) -> frozenset[str]:
        cached = getattr(self, "_wangge_perms", None)
        if cached is None:
            codes: set[str] = set()
            for role in self.roles.all():
                codes.update(role.clean_permissions())
            cached = frozenset(codes)
            self._wangge_perms = cached
        return cached

    def can(self, code: str) -> bool:
        return self.is_active and code in self.permission_codes()


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the API. Only its hash is stored; the raw value is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def new_raw_key() -> str:
        return "wg_" + secrets.token_urlsafe(32)

    @staticmethod
    def hash(raw: str) -> str:
        return _hash_token(raw)
