"""Pages of checklists: the current version of each kind, one version with its items, and the
editor publishing a new version."""

from __future__ import annotations

from dataclasses import asdict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from wangge.core.access import get_or_404, has_permission, scoped_view
from wangge.core.forms import add_service_error
from wangge.inspections.checklists import selectors, services
from wangge.inspections.checklists.forms import ChecklistItemFormSet, PublishForm
from wangge.inspections.models import ChecklistTemplate
from wangge.inspections.permissions import INSPECTIONS_CHECKLISTS, INSPECTIONS_VIEW


@require_GET
@scoped_view(INSPECTIONS_VIEW)
def checklists(request):
    return render(request, "inspections/checklists.html", {"templates": list(selectors.current_templates())})


@require_GET
@scoped_view(INSPECTIONS_VIEW)
def checklist(request):
    """One kind's checklist (?kind=<code>), the current version or ?version=N. Checklists are the
    district's common data (not under a unit), so they are found by kind, not by a record id."""
    qs = ChecklistTemplate.objects.select_related("kind").filter(kind__code=request.GET.get("kind", ""))
    version = request.GET.get("version", "")
    t = get_or_404(qs, version=version) if version.isdigit() else get_or_404(qs, is_current=True)
    return render(
        request,
        "inspections/checklist.html",
        {
            "template": t,
            "items": list(t.items.all()),
            "versions": list(selectors.versions_of(t.kind_id)),
            "open_inspections": selectors.open_inspections_on(t),
            "can_edit": t.is_current and has_permission(request.user, INSPECTIONS_CHECKLISTS),
        },
    )


def moved(formset, move: str) -> list[dict]:
    """The editor's rows (blank ones left out) with one moved: "up-3" / "down-3" (form index)."""
    rows = [(n, f.cleaned_data) for n, f in enumerate(formset.forms) if (f.cleaned_data or {}).get("text")]
    direction, _sep, index = move.partition("-")
    at = next((k for k, (n, _d) in enumerate(rows) if str(n) == index), None)
    if at is not None:
        to = at - 1 if direction == "up" else at + 1 if direction == "down" else at
        if 0 <= to < len(rows):
            rows[at], rows[to] = rows[to], rows[at]
    return [dict(d) for _n, d in rows]


@scoped_view(INSPECTIONS_CHECKLISTS)
def checklist_edit(request):
    """Edit a kind's checklist (?kind=<code>): the items as a list of rows, published as a new
    version; inspections still open keep the version they started with (the page says how many)."""
    t = get_or_404(
        ChecklistTemplate.objects.select_related("kind").filter(kind__code=request.GET.get("kind", "")),
        is_current=True,
    )
    if request.method == "POST" and request.POST.get("move"):
        # Move an item up or down in the editor: nothing is published, the list is shown again.
        formset = ChecklistItemFormSet(request.POST, prefix="items")
        head = PublishForm(request.POST)
        if formset.is_valid():
            formset = ChecklistItemFormSet(initial=moved(formset, request.POST["move"]), prefix="items")
    elif request.method == "POST":
        formset = ChecklistItemFormSet(request.POST, prefix="items")
        head = PublishForm(request.POST)
        if formset.is_valid() and head.is_valid():
            specs = [s for s in (f.spec() for f in formset.forms) if s is not None]
            if head.cleaned_data["base_version"] != t.version:
                head.add_error(
                    None,
                    _("Version %(v)s was published meanwhile: open the editor again to start from it.")
                    % {"v": t.version},
                )
            else:
                try:
                    published = services.publish_version(
                        actor=request.user, kind=t.kind, items=specs, note=head.cleaned_data["note"]
                    )
                except ValidationError as exc:
                    add_service_error(head, exc)
                else:
                    messages.success(request, published.message)
                    return redirect(reverse("inspections:checklist") + f"?kind={t.kind.code}")
    else:
        initial = [asdict(s) for s in services.specs_of(t)]
        formset = ChecklistItemFormSet(initial=initial, prefix="items")
        head = PublishForm(initial={"base_version": t.version})
    return render(
        request,
        "inspections/checklist_edit.html",
        {
            "template": t,
            "formset": formset,
            "head": head,
            "open_inspections": selectors.open_inspections_on(t),
        },
    )
