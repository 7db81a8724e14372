"""The navigation, filled by each part from its own AppConfig."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class MenuEntry:
    url_name: str
    label: str | Promise
    permission: str | None = None
    # Lower comes first; parts leave gaps so a later part can slot in.
    order: int = 1000


_entries: dict[str, MenuEntry] = {}


def register_menu(entries: Iterable[MenuEntry]) -> None:
    for entry in entries:
        _entries[entry.url_name] = entry


def menu_entries() -> list[MenuEntry]:
    return sorted(_entries.values(), key=lambda e: e.order)
