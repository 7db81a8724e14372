"""The venue's own light account: its manager logs in with their phone number and keeps their
venue's records, nothing else. The account has no jurisdiction (the kernel's scope of it is empty
everywhere: fail closed); its pages reach the venue through the VenueAccount link only."""

from __future__ import annotations

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from wangge.accounts.models import Role, User
from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import Actor, require, scope_of, user_or_none
from wangge.core.masking import mask_phone
from wangge.registry.identity import normalise_phone
from wangge.venues.models import Venue, VenueAccount
from wangge.venues.permissions import VENUES_MANAGE, VENUES_OWN

VENUE_MANAGER_ROLE = "venue_manager"
# Stored in English like the standard roles' names, shown translated.
VENUE_MANAGER_ROLE_NAME = gettext_noop("Venue manager")
# Readable aloud over the phone: no 0/O, 1/l/I.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def venue_manager_role() -> Role:
    role, _created = Role.objects.get_or_create(
        code=VENUE_MANAGER_ROLE, defaults={"name": VENUE_MANAGER_ROLE_NAME, "permissions": [VENUES_OWN]}
    )
    return role


def new_password() -> str:
    return "-".join("".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3))


@transaction.atomic
def create_venue_account(
    *, actor: Actor, venue: Venue, phone: str, display_name: str = ""
) -> tuple[VenueAccount, str]:
    """An account for the venue's manager: the username is their phone, the initial password is
    returned once (shown once on the page, never stored in clear)."""
    require(actor, VENUES_MANAGE)
    if not scope_of(actor).covers_path(venue.path):
        raise PermissionDenied(_("This venue is not in your area."))
    try:
        username = normalise_phone(phone)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from exc
    if not username:
        raise ValidationError({"phone": _("The manager's phone number is required: it is their login.")})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"phone": _("An account with this phone number already exists.")})
    password = new_password()
    user = User(username=username, display_name=(display_name or venue.responsible_name or venue.name)[:100])
    user.set_password(password)
    user.save()
    user.roles.set([venue_manager_role()])
    link = VenueAccount.objects.create(user=user, venue=venue, created_by=user_or_none(actor))
    audit.record(
        actor=actor,
        action=Action.CREATE,
        obj=link,
        path=venue.path,
        after={"venue_id": venue.pk, "user_id": user.pk, "username": mask_phone(username)},
    )
    return link, password


@transaction.atomic
def disable_venue_account(*, actor: Actor, link: VenueAccount) -> VenueAccount:
    """The manager changed: the account can no longer log in (kept for the audit trail)."""
    require(actor, VENUES_MANAGE)
    if not scope_of(actor).covers_path(link.venue.path):
        raise PermissionDenied(_("This venue is not in your area."))
    user = link.user
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
        audit.record(
            actor=actor, action=Action.CLOSE, obj=link, path=link.venue.path, after={"user_id": user.pk}
        )
    return link
