"""A new version of a kind's rule, from a date: the version in force then ends the day before
(versions never overlap, and a decided gathering keeps the rule it was decided by)."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import Actor, is_system, require, user_or_none
from wangge.core.dated import still_open_on
from wangge.gatherings.models import GatheringKind, GatheringRule, Stance
from wangge.gatherings.permissions import GATHERINGS_RULES
from wangge.org.models import Level


@transaction.atomic
def new_version(
    *,
    actor: Actor,
    kind: GatheringKind,
    valid_from: datetime.date,
    stance: str,
    wording: str = "",
    advice: str = "",
    lead_days: int = 0,
    max_diners_per_meal: int | None = None,
    village_band: int = 50,
    office_band: int = 200,
    conditions: list[str] | None = None,
    basis_reference: str = "",
) -> GatheringRule:
    require(actor, GATHERINGS_RULES)
    root = getattr(actor, "jurisdiction", None)
    if not is_system(actor) and (root is None or root.level != Level.DISTRICT):
        raise PermissionDenied(_("The rules for gatherings are set by the district."))
    if stance not in Stance.values:
        raise ValidationError({"stance": _("Choose what the rule says.")})
    if valid_from < timezone.localdate():
        raise ValidationError({"valid_from": _("A new version starts today or later.")})
    if office_band < village_band:
        raise ValidationError({"office_band": _("The office's band starts above the village's.")})
    if stance == Stance.BANNED and not (wording or "").strip():
        raise ValidationError({"wording": _("A ban is given in the rule's own words.")})
    if GatheringRule.objects.filter(kind=kind, valid_from__gte=valid_from).exists():
        raise ValidationError(
            {"valid_from": _("A version of this rule already starts on or after this date.")}
        )
    current = still_open_on(GatheringRule.objects.select_for_update().filter(kind=kind), valid_from).first()
    if current is not None:
        current.valid_to = valid_from - datetime.timedelta(days=1)
        current.save(update_fields=["valid_to"])
    rule = GatheringRule.objects.create(
        kind=kind, stance=stance, wording=(wording or "").strip()[:200], advice=(advice or "").strip(),
        lead_days=lead_days, max_diners_per_meal=max_diners_per_meal, village_band=village_band,
        office_band=office_band, conditions=[c.strip()[:200] for c in conditions or [] if c.strip()][:12],
        valid_from=valid_from, basis_reference=(basis_reference or "").strip()[:200], created_by=user_or_none(actor),
    )  # fmt: skip
    audit.record(
        actor=actor, action=Action.CREATE, obj=rule, path="",
        after={"kind": kind.name, "stance": stance, "valid_from": valid_from.isoformat(),
               "village_band": village_band, "office_band": office_band, "ended": current.pk if current else None},
    )  # fmt: skip
    return rule
