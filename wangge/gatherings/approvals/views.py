"""The decision on a gathering's page: forward, file or approve with conditions and a supervisor,
or refuse with reasons (one POST, the button says which)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wangge.core.access import scoped_view
from wangge.gatherings.approvals import services
from wangge.gatherings.approvals.forms import DecideForm
from wangge.gatherings.models import Gathering
from wangge.gatherings.permissions import GATHERINGS_VIEW


@scoped_view(GATHERINGS_VIEW)
@require_POST
def decide(request, gathering_id: int):
    gathering = request.scope.get(Gathering.objects.select_related("unit", "kind"), pk=gathering_id)
    form = DecideForm(
        request.POST,
        gathering=gathering,
        candidates=services.supervisor_candidates(gathering),
        scope=request.scope,
    )
    action = request.POST.get("action", "")
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("gatherings:detail", gathering_id=gathering.pk)
    try:
        if action == "forward":
            services.forward(
                actor=request.user,
                gathering=gathering,
                note=form.cleaned_data["note"],
                grid=form.chosen_grid(),
            )
            messages.success(request, _("Forwarded."))
        elif action == "approve":
            services.approve(
                actor=request.user, gathering=gathering, conditions=form.condition_list(),
                supervisor=form.chosen_supervisor(), note=form.cleaned_data["note"], grid=form.chosen_grid(),
            )  # fmt: skip
            messages.success(request, _("Decided: the family is told."))
        elif action == "refuse":
            services.refuse(actor=request.user, gathering=gathering, reasons=form.cleaned_data["note"])
            messages.success(request, _("Refused: the family is told."))
        elif action == "supervisor":
            supervisor = form.chosen_supervisor()
            if supervisor is None:
                raise ValidationError(_("Choose a supervisor responsible for this place."))
            services.assign_supervisor(actor=request.user, gathering=gathering, supervisor=supervisor)
            messages.success(request, _("Supervisor named."))
        else:
            raise ValidationError(_("Choose what to do."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("Your role does not allow this."))
    return redirect("gatherings:detail", gathering_id=gathering.pk)
