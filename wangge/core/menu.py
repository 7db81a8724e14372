"""The navigation, filled by each part from its own AppConfig, grouped by task.

A part names the group its entries belong to (登记, 核酸, 排查管控 …); a later part registers
its own group. The page shows one menu per group the viewer has an entry in, in group order.
"""

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
    # The task group (see register_menu_group); "" stands on its own in the bar.
    group: str = ""


@dataclass(frozen=True)
class MenuGroup:
    key: str
    label: str | Promise
    order: int = 1000


_entries: dict[str, MenuEntry] = {}
_groups: dict[str, MenuGroup] = {}


def register_menu(entries: Iterable[MenuEntry]) -> None:
    for entry in entries:
        _entries[entry.url_name] = entry


def register_menu_group(group: MenuGroup) -> None:
    _groups[group.key] = group


def menu_entries() -> list[MenuEntry]:
    return sorted(_entries.values(), key=lambda e: e.order)


def menu_groups() -> dict[str, MenuGroup]:
    return dict(_groups)
