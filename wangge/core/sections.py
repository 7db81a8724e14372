"""Sections that parts add to another part's record page, like menus and home panels.

The registry's person page shows the person's measures, tests and screening records without
importing screening or testing: those parts register a section for "registry.person" from their
AppConfig, and the page renders whatever is registered. A section returns None when it has
nothing for this viewer (no permission, nothing to show), and the page leaves it out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

# Sections below this order are banners, shown above the record (an active measure).
BANNER_BELOW = 100


@dataclass(frozen=True)
class RecordSection:
    name: str
    template: str
    # The section's context for this request and record, or None to leave it out.
    context: Callable[[HttpRequest, Any], dict[str, Any] | None]
    order: int = 1000


_sections: dict[str, dict[str, RecordSection]] = {}


def register_record_section(record: str, section: RecordSection) -> None:
    """`record` is the page's record, as a model label ("registry.person")."""
    _sections.setdefault(record, {})[section.name] = section


def record_sections(record: str, request: HttpRequest, obj: Any) -> list[dict[str, Any]]:
    """The sections that have something for this viewer: [{"template", "banner", "data"}]."""
    shown = []
    for section in sorted(_sections.get(record, {}).values(), key=lambda s: s.order):
        data = section.context(request, obj)
        if data is not None:
            shown.append({"template": section.template, "banner": section.order < BANNER_BELOW, "data": data})
    return shown
