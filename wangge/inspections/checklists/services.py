"""Writing checklists: a change is always a new version. Past inspections keep their version
and their own copies of the items, so nothing they recorded is rewritten."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import Actor, require, user_or_none
from wangge.inspections.models import (
    ChecklistItem,
    ChecklistTemplate,
    DataCheck,
    Inspection,
    InspectionStatus,
)
from wangge.inspections.permissions import INSPECTIONS_CHECKLISTS


@dataclass
class ItemSpec:
    section: str
    text: str
    points: int = 10
    critical: bool = False
    photo_on_fail: bool = False
    note_on_fail: bool = True
    data_check: str = ""
    check_days: int = 7
    on_patrol: bool = False
    # How a failure reads in a campaign's summary (消杀记录不详), in both languages.
    problem: str = ""
    problem_en: str = ""


@dataclass
class Published:
    template: ChecklistTemplate
    open_inspections: int  # inspections still open on the previous version (they keep it)

    @property
    def message(self) -> str:
        if self.open_inspections:
            return _("Version %(v)s published. %(n)s open inspections keep the previous version.") % {
                "v": self.template.version,
                "n": self.open_inspections,
            }
        return _("Version %(v)s published.") % {"v": self.template.version}


@transaction.atomic
def publish_version(
    *, actor: Actor, kind, items: list[ItemSpec], note: str = "", name: str = ""
) -> Published:
    require(actor, INSPECTIONS_CHECKLISTS)
    if not items:
        raise ValidationError(_("A checklist needs at least one item."))
    for spec in items:
        if not spec.text.strip() or not spec.section.strip():
            raise ValidationError(_("Each item needs a section and a text."))
        if spec.data_check and spec.data_check not in DataCheck.values:
            raise ValidationError(_("Unknown data check: %(c)s.") % {"c": spec.data_check})
        if not 0 <= spec.points <= 100:
            raise ValidationError(_("Points must be between 0 and 100."))
        if not 1 <= (spec.check_days or 7) <= 90:
            raise ValidationError(_("The days checked must be between 1 and 90."))
    previous = ChecklistTemplate.objects.select_for_update().filter(kind=kind, is_current=True).first()
    last = ChecklistTemplate.objects.filter(kind=kind).order_by("-version").first()
    open_count = 0
    if previous is not None:
        open_count = Inspection.objects.filter(template=previous, status=InspectionStatus.OPEN).count()
        previous.is_current = False
        previous.save(update_fields=["is_current"])
    template = ChecklistTemplate.objects.create(
        kind=kind,
        version=(last.version + 1) if last else 1,
        name=name or (previous.name if previous else f"{kind.name}"),
        is_current=True,
        published_by=user_or_none(actor),
        note=note[:250],
    )
    ChecklistItem.objects.bulk_create(
        [
            ChecklistItem(
                template=template,
                position=i,
                section=s.section.strip()[:60],
                text=s.text.strip()[:200],
                points=s.points,
                critical=s.critical,
                photo_on_fail=s.photo_on_fail,
                note_on_fail=s.note_on_fail,
                data_check=s.data_check,
                check_days=s.check_days or 7,
                on_patrol=s.on_patrol,
                problem=s.problem.strip()[:60],
                problem_en=s.problem_en.strip()[:120],
            )
            for i, s in enumerate(items)
        ]
    )
    audit.record(
        actor=actor,
        action=Action.CREATE,
        obj=template,
        after={"kind": kind.code, "version": template.version, "items": len(items), "open_kept": open_count},
    )
    return Published(template, open_count)


def specs_of(template: ChecklistTemplate) -> list[ItemSpec]:
    return [
        ItemSpec(
            section=i.section,
            text=i.text,
            points=i.points,
            critical=i.critical,
            photo_on_fail=i.photo_on_fail,
            note_on_fail=i.note_on_fail,
            data_check=i.data_check,
            check_days=i.check_days,
            on_patrol=i.on_patrol,
            problem=i.problem,
            problem_en=i.problem_en,
        )
        for i in template.items.all()
    ]


def load_defaults() -> int:
    """The starting checklist of every kind that has none (the demo and `load_checklists`)."""
    from wangge.inspections.checklists.defaults import load_default_checklists
    from wangge.inspections.models import ChecklistItem as Item
    from wangge.venues.models import VenueKind

    return load_default_checklists(VenueKind, ChecklistTemplate, Item)


def ensure_checklist(kind) -> ChecklistTemplate | None:
    """The kind's current checklist; a kind added after the migration gets its starting one."""
    current = ChecklistTemplate.objects.filter(kind=kind, is_current=True).first()
    if current is None and not ChecklistTemplate.objects.filter(kind=kind).exists():
        load_defaults()
        current = ChecklistTemplate.objects.filter(kind=kind, is_current=True).first()
    return current
