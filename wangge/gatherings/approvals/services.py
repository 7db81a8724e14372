"""The approval chain, by the band the rules gave: the village files what is small, forwards the
rest to the office with the grid it is held in; the office approves (with conditions and a named
on-site supervisor) or forwards the largest to the district; anyone on the chain may refuse with
reasons. Each step is a row; the family is told at each decision."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import User
from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import PUBLIC_ACTOR, Actor, has_permission, is_system, scope_of, user_or_none
from wangge.gatherings import notices
from wangge.gatherings.models import BAND_ORDER, ApprovalStep, Band, Gathering, Status, StepAction
from wangge.gatherings.permissions import (
    GATHERINGS_APPROVE,
    GATHERINGS_FILE,
    GATHERINGS_REPORT,
    GATHERINGS_SUPERVISE,
)
from wangge.org.models import Level, OrgUnit
from wangge.registry import services as registry

STAGE_LEVEL: dict[str, int] = {
    Band.VILLAGE: Level.VILLAGE,
    Band.OFFICE: Level.OFFICE,
    Band.DISTRICT: Level.DISTRICT,
}
NEXT: dict[str, str] = {Band.VILLAGE: Band.OFFICE, Band.OFFICE: Band.DISTRICT}
MAX_CONDITIONS = 12


def can_act(actor: Actor, gathering: Gathering) -> bool:
    """Whether the actor may take the step the gathering waits for: the right permission, a
    jurisdiction at that level or above it, and the gathering inside it."""
    if gathering.status != Status.PENDING or not gathering.stage or actor is PUBLIC_ACTOR:
        return False
    permission = GATHERINGS_FILE if gathering.stage == Band.VILLAGE else GATHERINGS_APPROVE
    if not has_permission(actor, permission):
        return False
    if is_system(actor):
        return True
    root = getattr(actor, "jurisdiction", None)
    if root is None or root.level > STAGE_LEVEL[gathering.stage]:
        return False
    return scope_of(actor).covers_path(gathering.path)


def _require_step(actor: Actor, gathering: Gathering) -> Gathering:
    locked = Gathering.objects.select_for_update().get(pk=gathering.pk)
    if locked.status != Status.PENDING:
        raise ValidationError(_("This gathering is no longer waiting for a decision."))
    if not can_act(actor, locked):
        raise PermissionDenied(_("This step is taken at another level."))
    return locked


def _place(actor: Actor, gathering: Gathering, grid: OrgUnit | None) -> None:
    """The village names the grid it is held in (a family chose only the village)."""
    if grid is None:
        if gathering.unit.level != Level.GRID:
            raise ValidationError({"grid": _("Choose the grid it is held in.")})
        return
    if (
        grid.level != Level.GRID
        or grid.closed_at is not None
        or not grid.path.startswith(gathering.unit.path)
    ):
        raise ValidationError({"grid": _("Choose an open grid of this village or community.")})
    if not scope_of(actor).covers(grid):
        raise ValidationError({"grid": _("Choose an open grid of this village or community.")})
    gathering.unit = grid
    gathering.path = grid.path
    if gathering.host_id is None:
        found = registry.find_by_document(gathering.host_id_type, gathering.host_id_number)
        if found is not None:
            if scope_of(actor).covers_path(found.path):
                gathering.host = found
        elif not is_system(actor):
            gathering.host = registry.register_provisional(
                actor=actor,
                grid=grid,
                name=gathering.host_name,
                id_type=gathering.host_id_type,
                id_number=gathering.host_id_number,
                phone=gathering.host_phone,
                reason="gathering",
                allowed_by=(GATHERINGS_FILE, GATHERINGS_REPORT),
            )


def _clean_conditions(conditions: list[str]) -> list[str]:
    out = [" ".join(str(c).split())[:200] for c in conditions or [] if str(c).strip()]
    if len(out) > MAX_CONDITIONS:
        raise ValidationError({"conditions": _("At most %(n)s conditions.") % {"n": MAX_CONDITIONS}})
    return out


def _step(gathering: Gathering, actor: Actor, action: str, note: str = "", conditions=None) -> ApprovalStep:
    return ApprovalStep.objects.create(
        gathering=gathering,
        level=gathering.stage or Band.VILLAGE,
        action=action,
        by=user_or_none(actor),
        note=(note or "").strip(),
        conditions=conditions or [],
    )


@transaction.atomic
def forward(*, actor: Actor, gathering: Gathering, note: str = "", grid: OrgUnit | None = None) -> Gathering:
    """Pass it up: the band is above this level."""
    g = _require_step(actor, gathering)
    if BAND_ORDER[g.band] <= BAND_ORDER[g.stage]:
        raise ValidationError(_("This gathering is decided at this level: approve or refuse it."))
    if g.stage == Band.VILLAGE:
        _place(actor, g, grid)
        if g.band != Band.VILLAGE and not g.plan.strip():
            raise ValidationError({"note": _("A plan is needed before it goes to the office.")})
    _step(g, actor, StepAction.FORWARD, note)
    before = g.stage
    g.stage = NEXT[g.stage]
    g.save()
    audit.record(
        actor=actor,
        action=Action.UPDATE,
        obj=g,
        before={"stage": before},
        after={"stage": g.stage, "note": note},
    )
    notices.tell_family(
        g,
        _("[Wangge] Your %(kind)s on %(date)s (code %(code)s) has been passed to the %(level)s for approval.")
        % {
            "kind": g.kind.name,
            "date": g.starts_on.isoformat(),
            "code": g.lookup_code,
            "level": level_word(g.stage),
        },
    )
    return g


def level_word(band: str) -> str:
    words: dict[str, str] = {
        Band.VILLAGE: _("village or community"),
        Band.OFFICE: _("sub-district office"),
        Band.DISTRICT: _("district"),
    }
    return words.get(band, "")


@transaction.atomic
def approve(
    *,
    actor: Actor,
    gathering: Gathering,
    conditions: list[str] | None = None,
    supervisor: User | None = None,
    note: str = "",
    grid: OrgUnit | None = None,
) -> Gathering:
    """File it (village band) or approve it (office, district) with conditions and a supervisor."""
    g = _require_step(actor, gathering)
    if BAND_ORDER[g.band] > BAND_ORDER[g.stage]:
        raise ValidationError(
            _("This gathering needs the approval of the %(level)s: forward it.")
            % {"level": level_word(g.band)}
        )
    if g.stage == Band.VILLAGE:
        _place(actor, g, grid)
    conditions = _clean_conditions(conditions if conditions is not None else list(g.conditions or []))
    if supervisor is not None:
        _check_supervisor(g, supervisor)
        g.supervisor = supervisor
        conditions = [*conditions, _("On-site supervisor: %(name)s") % {"name": supervisor_name(supervisor)}]
    action = StepAction.FILE if g.band == Band.VILLAGE else StepAction.APPROVE
    _step(g, actor, action, note, conditions)
    g.status = Status.APPROVED
    g.conditions = conditions
    g.decided_at = timezone.now()
    g.save()
    audit.record(
        actor=actor, action=Action.UPDATE, obj=g, before={"status": Status.PENDING},
        after={"status": g.status, "conditions": conditions, "supervisor": supervisor.pk if supervisor else None},
    )  # fmt: skip
    words = "；".join(conditions)
    notices.tell_family(
        g,
        (
            _(
                "[Wangge] Your %(kind)s on %(date)s (code %(code)s) is approved on these conditions: %(conditions)s"
            )
            if conditions
            else _("[Wangge] Your %(kind)s on %(date)s (code %(code)s) is filed.")
        )
        % {"kind": g.kind.name, "date": g.starts_on.isoformat(), "code": g.lookup_code, "conditions": words},
    )
    return g


@transaction.atomic
def refuse(*, actor: Actor, gathering: Gathering, reasons: str) -> Gathering:
    reasons = (reasons or "").strip()
    if not reasons:
        raise ValidationError({"reasons": _("Give the reasons for the refusal.")})
    g = _require_step(actor, gathering)
    _step(g, actor, StepAction.REFUSE, reasons)
    g.status = Status.REFUSED
    g.refusal = reasons[:1000]
    g.decided_at = timezone.now()
    g.save()
    audit.record(
        actor=actor,
        action=Action.UPDATE,
        obj=g,
        before={"status": Status.PENDING},
        after={"status": g.status, "reasons": reasons},
    )
    notices.tell_family(
        g,
        _("[Wangge] Your %(kind)s on %(date)s (code %(code)s) is refused: %(reasons)s")
        % {"kind": g.kind.name, "date": g.starts_on.isoformat(), "code": g.lookup_code, "reasons": reasons},
    )
    return g


def supervisor_name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def supervisor_candidates(gathering: Gathering):
    """Accounts that may supervise it: a jurisdiction over its place, the permission to supervise."""
    unit_ids = {*gathering.unit.ancestor_ids(), gathering.unit_id}
    users = User.objects.filter(is_active=True, jurisdiction_id__in=unit_ids).select_related("jurisdiction")
    return [
        u
        for u in users.order_by("-jurisdiction__level", "username")
        if has_permission(u, GATHERINGS_SUPERVISE)
    ]


def _check_supervisor(gathering: Gathering, supervisor: User) -> None:
    if supervisor.pk not in {u.pk for u in supervisor_candidates(gathering)}:
        raise ValidationError({"supervisor": _("Choose a supervisor responsible for this place.")})


@transaction.atomic
def assign_supervisor(*, actor: Actor, gathering: Gathering, supervisor: User) -> Gathering:
    """Name (or change) the on-site supervisor of an approved gathering."""
    if not (has_permission(actor, GATHERINGS_FILE) or has_permission(actor, GATHERINGS_APPROVE)):
        raise PermissionDenied(_("Your role does not allow this."))
    scope_of(actor).require_path(gathering.path)
    g = Gathering.objects.select_for_update().get(pk=gathering.pk)
    if g.status != Status.APPROVED:
        raise ValidationError(_("Only an approved gathering gets a supervisor."))
    _check_supervisor(g, supervisor)
    before = g.supervisor_id
    g.supervisor = supervisor
    g.save(update_fields=["supervisor"])
    audit.record(
        actor=actor,
        action=Action.UPDATE,
        obj=g,
        before={"supervisor": before},
        after={"supervisor": supervisor.pk},
    )
    return g
