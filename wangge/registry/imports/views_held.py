"""The village's held roll rows (houses to place in a grid, tenants' moves to confirm) and its
address rules. Phone-first: one card per group (组) or street, one tap to place it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from wangge.core.access import not_found, scoped_view
from wangge.org.models import Level, OrgUnit
from wangge.registry.imports import holding
from wangge.registry.models import AddressRuleKind, HeldRowReason
from wangge.registry.permissions import REGISTRY_IMPORT


def _village(request, village_id: int) -> OrgUnit:
    return request.scope.get(OrgUnit.objects.filter(level=Level.VILLAGE), pk=village_id)


def _grid(village: OrgUnit, raw: str) -> OrgUnit:
    grid = holding.village_grids(village).filter(pk=int(raw) if str(raw).isdigit() else 0).first()
    if grid is None:
        raise ValidationError(_("Choose the grid."))
    return grid


def _ids(request) -> list[int]:
    return [int(x) for x in request.POST.getlist("ids") if x.isdigit()]


def _report(request, result: holding.PlaceResult, done_message: str) -> None:
    if result.placed:
        messages.success(request, done_message % {"n": result.placed})
    requeued = result.requeued
    if requeued:
        messages.info(
            request,
            _("%(n)s tenants live elsewhere in the registry: confirm their moves below.") % {"n": requeued},
        )
    for held, reason in result.errors[:10]:
        messages.error(request, f"{held.address}: {reason}")


@scoped_view(REGISTRY_IMPORT)
def held_index(request):
    villages = holding.waiting_by_village(request.user)
    if len(villages) == 1:
        return redirect("registry:held_rows", village_id=villages[0]["id"])
    return render(request, "registry/imports/held_index.html", {"villages": villages})


@scoped_view(REGISTRY_IMPORT)
def held_rows(request, village_id: int):
    village = _village(request, village_id)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "place_group":
                raw = request.POST.get("group_no", "")
                if not raw.isdigit():
                    raise ValidationError(_("Choose the group."))
                result = holding.place_group(
                    actor=request.user,
                    village=village,
                    group_no=int(raw),
                    grid=_grid(village, request.POST.get("grid", "")),
                    save_rule=bool(request.POST.get("save_rule")),
                )
                _report(request, result, _("%(n)s rows placed."))
            elif action == "place_street":
                result = holding.place_street(
                    actor=request.user,
                    village=village,
                    street=request.POST.get("street", ""),
                    grid=_grid(village, request.POST.get("grid", "")),
                    save_rule=bool(request.POST.get("save_rule")),
                )
                _report(request, result, _("%(n)s rows placed."))
            elif action == "place_rows":
                result = holding.place_rows(
                    actor=request.user,
                    village=village,
                    ids=_ids(request),
                    grid=_grid(village, request.POST.get("grid", "")),
                )
                _report(request, result, _("%(n)s rows placed."))
            elif action == "confirm":
                result = holding.confirm_transfers(actor=request.user, village=village, ids=_ids(request))
                _report(request, result, _("%(n)s moves confirmed."))
            elif action == "dismiss":
                n = holding.dismiss(actor=request.user, village=village, ids=_ids(request))
                messages.success(request, _("%(n)s rows set aside.") % {"n": n})
            else:
                raise not_found()
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("registry:held_rows", village_id=village.pk)
    transfers = list(holding.waiting(request.user, village).filter(reason=HeldRowReason.TRANSFER))
    context = {
        "village": village,
        "groups": holding.unplaced_groups(request.user, village),
        "transfers": transfers,
        "grids": list(holding.village_grids(village)),
        "rules": holding.rules_of(request.user, village),
    }
    return render(request, "registry/imports/held.html", context)


@scoped_view(REGISTRY_IMPORT)
def address_rules(request, village_id: int):
    village = _village(request, village_id)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "delete":
                rule = (
                    holding.rules_of(request.user, village).filter(pk=request.POST.get("rule") or 0).first()
                )
                if rule is None:
                    raise not_found()
                holding.delete_rule(actor=request.user, rule=rule)
                messages.success(request, _("The rule was removed."))
            else:
                number = {
                    k: int(v) if (v := request.POST.get(k, "").strip()).isdigit() else None
                    for k in ("group_no", "number_from", "number_to")
                }
                holding.create_rule(
                    actor=request.user,
                    village=village,
                    grid=_grid(village, request.POST.get("grid", "")),
                    kind=request.POST.get("kind", ""),
                    street=request.POST.get("street", ""),
                    **number,
                )
                messages.success(request, _("The rule was saved. New houses of later rolls follow it."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("registry:address_rules", village_id=village.pk)
    context = {
        "village": village,
        "rules": holding.rules_of(request.user, village),
        "grids": list(holding.village_grids(village)),
        "kinds": AddressRuleKind.choices,
    }
    return render(request, "registry/imports/address_rules.html", context)
