"""The kinds of gathering (district): the list, a new kind, renaming, retiring and restoring."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.core.access import scoped_view
from wangge.core.forms import add_service_error
from wangge.gatherings.models import GatheringKind
from wangge.gatherings.permissions import GATHERINGS_RULES, GATHERINGS_VIEW
from wangge.gatherings.rules import kinds as services
from wangge.gatherings.rules import selectors
from wangge.gatherings.rules.forms import KindForm


@require_GET
@scoped_view(GATHERINGS_VIEW)
def kind_list(request):
    return render(
        request,
        "gatherings/kinds.html",
        {"kinds": selectors.all_kinds(), "may_edit": request.user.can(GATHERINGS_RULES)},
    )


def _save(request, form, save) -> bool:
    try:
        save(form.cleaned_data)
    except ValidationError as exc:
        add_service_error(form, exc)
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
    else:
        return True
    return False


def _district(request) -> None:
    """Only the district edits kinds; checked before the kind is looked up, so that a kind answers
    alike whether it exists or not."""
    services.require_district(request.user)


@require_http_methods(["GET", "POST"])
@scoped_view(GATHERINGS_RULES)
def kind_new(request):
    _district(request)
    form = KindForm(request.POST or None)
    saved = (
        request.method == "POST"
        and form.is_valid()
        and _save(request, form, lambda d: services.add_kind(actor=request.user, **d))
    )
    if saved:
        messages.success(request, _("Kind of gathering added: give it a rule."))
        return redirect("gatherings:kinds")
    return render(request, "gatherings/kind_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@scoped_view(GATHERINGS_RULES)
def kind_edit(request, kind_id: int):
    _district(request)
    kind = get_object_or_404(GatheringKind, pk=kind_id)
    initial = {"name": kind.name, "name_en": kind.name_en, "examples": kind.examples, "order": kind.order}
    form = KindForm(request.POST or None, initial=initial)
    saved = (
        request.method == "POST"
        and form.is_valid()
        and _save(request, form, lambda d: services.rename_kind(actor=request.user, kind=kind, **d))
    )
    if saved:
        messages.success(request, _("Kind of gathering saved."))
        return redirect("gatherings:kinds")
    return render(request, "gatherings/kind_form.html", {"form": form, "kind": kind})


@require_POST
@scoped_view(GATHERINGS_RULES)
def kind_retire(request, kind_id: int):
    _district(request)
    kind = get_object_or_404(GatheringKind, pk=kind_id)
    try:
        deleted = services.retire_kind(actor=request.user, kind=kind)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "; ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(
            request,
            _("Kind of gathering deleted (nothing referred to it).")
            if deleted
            else _("Kind of gathering retired: no longer offered; its rules and reports are kept."),
        )
    return redirect("gatherings:kinds")


@require_POST
@scoped_view(GATHERINGS_RULES)
def kind_restore(request, kind_id: int):
    _district(request)
    kind = get_object_or_404(GatheringKind, pk=kind_id)
    try:
        services.restore_kind(actor=request.user, kind=kind)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "; ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("Kind of gathering in use again."))
    return redirect("gatherings:kinds")
