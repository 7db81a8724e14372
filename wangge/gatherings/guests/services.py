"""The guest list of a gathering: imported (replacing an earlier one), matched and checked; the
flagged guests (from a risk area on the event's date, or under an open measure) sent to screening,
each through screening's own intake (`screen_one`), so that the screening flow decides."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import Actor, require, scope_of
from wangge.gatherings.guests.matching import match_guests, read_guests
from wangge.gatherings.models import OPEN_STATUSES, Gathering, Guest
from wangge.gatherings.permissions import GATHERINGS_REPORT
from wangge.org.models import Level
from wangge.screening.intake import services as intake
from wangge.screening.models import ScreeningSource


@dataclass
class ImportSummary:
    total: int
    matched: int
    errors: int
    from_risk_area: int
    under_measure: int

    @property
    def flagged(self) -> int:
        return self.from_risk_area + self.under_measure


@transaction.atomic
def import_guest_list(*, actor: Actor, gathering: Gathering, raw: IO[bytes], name: str) -> ImportSummary:
    """Read, match and keep a guest list; an earlier list of the gathering is replaced. A file
    that cannot be read changes nothing."""
    require(actor, GATHERINGS_REPORT)
    scope_of(actor).require_path(gathering.path)
    g = Gathering.objects.select_for_update().get(pk=gathering.pk)
    if g.status not in OPEN_STATUSES:
        raise ValidationError(_("The gathering is closed: its guest list can no longer change."))
    rows = match_guests(read_guests(raw, name), g.starts_on)
    Guest.objects.filter(gathering=g).delete()
    Guest.objects.bulk_create(
        [
            Guest(
                gathering=g,
                row_no=r.row_no,
                name=r.name,
                id_number=r.id_number,
                phone=r.phone,
                came_from=r.came_from,
                person_id=r.person_id,
                match=r.match,
                error="；".join(r.errors)[:300],
                risk_area_id=r.risk_area_id,
                under_measure=r.under_measure,
            )  # fmt: skip
            for r in rows
        ],
        batch_size=1000,
    )
    summary = ImportSummary(
        total=len(rows),
        matched=sum(1 for r in rows if r.person_id),
        errors=sum(1 for r in rows if r.errors),
        from_risk_area=sum(1 for r in rows if r.risk_area_id),
        under_measure=sum(1 for r in rows if r.under_measure),
    )
    g.guests_total = summary.total
    g.guests_flagged = sum(1 for r in rows if r.flagged)
    g.save(update_fields=["guests_total", "guests_flagged"])
    audit.record(
        actor=actor, action=Action.UPDATE, obj=g,
        after={"guest_list": name[:100], "guests": summary.total, "matched": summary.matched,
               "errors": summary.errors, "flagged": g.guests_flagged},
    )  # fmt: skip
    return summary


MAX_UPLOAD = 10 * 1024 * 1024


def import_uploaded(*, actor: Actor, gathering: Gathering, upload) -> str:
    """A guest list sent with a report: imported, or the reason it could not be read (the report
    itself is kept either way)."""
    if upload.size > MAX_UPLOAD:
        return _("The file is larger than 10 MB.")
    try:
        import_guest_list(actor=actor, gathering=gathering, raw=upload, name=upload.name)
    except ValidationError as exc:
        return _("The guest list could not be read: %(reason)s") % {"reason": " ".join(exc.messages)}
    return ""


@dataclass
class ScreenSummary:
    screened: int
    skipped: list[str]


def screen_flagged(*, actor: Actor, gathering: Gathering) -> ScreenSummary:
    """Each flagged guest not yet screened becomes a screening record (screening's intake decides
    what follows). Guests the actor may not screen (registered elsewhere, not in the registry and
    no grid known) are listed as skipped; each guest is its own transaction."""
    scope_of(actor).require_path(gathering.path)
    grid = gathering.unit if gathering.unit.level == Level.GRID else None
    screened, skipped = 0, []
    guests = gathering.guests.filter(screening__isnull=True).exclude(match="error")
    for guest in guests.select_related("risk_area", "person"):
        if not guest.flagged:
            continue
        person = guest.person
        id_type, id_number = (
            (person.id_type, person.id_number) if person is not None else ("", guest.id_number)
        )
        if not id_number:
            skipped.append(f"{guest.row_no}: {_('No ID number: screen this guest by hand.')}")
            continue
        report = intake.Report(
            name=person.name if person is not None else guest.name,
            id_type=id_type or "resident_id",
            id_number=id_number,
            phone=guest.phone,
            came_from=guest.came_from,
            note=_("Invited to gathering %(code)s (%(kind)s on %(date)s).")
            % {
                "code": gathering.lookup_code,
                "kind": gathering.kind.name,
                "date": gathering.starts_on.isoformat(),
            },
        )
        try:
            with transaction.atomic():
                outcome = intake.screen_one(
                    actor=actor, source=ScreeningSource.MANUAL, report=report, grid=grid
                )
                guest.screening = outcome.record
                guest.save(update_fields=["screening"])
        except (ValidationError, Exception) as exc:  # noqa: BLE001 - listed for the staff, the rest go on
            skipped.append(f"{guest.row_no}: {' '.join(getattr(exc, 'messages', [str(exc)]))}")
            continue
        screened += 1
    return ScreenSummary(screened=screened, skipped=skipped)
