"""The venue page's sections, added by other parts (the inspections part adds a venue's
inspections and orders) without this part importing them: the kernel's record sections under
the record key "venues.venue" (see wangge.core.sections)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from wangge.core.sections import RecordSection, record_sections, register_record_section

VENUE_RECORD = "venues.venue"


def register_venue_section(section: RecordSection) -> None:
    """Add a section to every venue page: its context(request, venue) returns None to leave it out."""
    register_record_section(VENUE_RECORD, section)


def venue_sections(request: HttpRequest, venue: Any) -> list[dict[str, Any]]:
    return record_sections(VENUE_RECORD, request, venue)
