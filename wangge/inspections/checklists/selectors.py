"""Reading checklists: kinds' current versions, and one version with its items."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from wangge.inspections.models import ChecklistTemplate, Inspection, InspectionStatus


def current_templates() -> QuerySet[ChecklistTemplate]:
    return (
        ChecklistTemplate.objects.filter(is_current=True)
        .select_related("kind")
        .annotate(n_items=Count("items"))
        .order_by("kind__order", "kind_id")
    )


def current_for(kind_id: int) -> ChecklistTemplate | None:
    return ChecklistTemplate.objects.filter(kind_id=kind_id, is_current=True).first()


def versions_of(kind_id: int) -> QuerySet[ChecklistTemplate]:
    """The kind's versions, newest first, each with the inspections still open on it (n_open)."""
    return (
        ChecklistTemplate.objects.filter(kind_id=kind_id)
        .annotate(n_open=Count("inspections", filter=Q(inspections__status=InspectionStatus.OPEN)))
        .order_by("-version")
    )


def open_inspections_on(template: ChecklistTemplate) -> int:
    """Inspections still open on this version: they keep it when a new one is published."""
    return Inspection.objects.filter(template=template, status=InspectionStatus.OPEN).count()
