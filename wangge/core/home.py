"""The home page is made of panels that the parts register from their AppConfig.

A panel says what its viewer needs to see first; it returns None when it has nothing for
this viewer (their role does not cover it), and the kernel shows the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class HomePanel:
    name: str
    template: str
    # The panel's context for this request (which carries `scope`), or None to leave it out.
    context: Callable[[HttpRequest], dict[str, Any] | None]
    order: int = 1000


_panels: dict[str, HomePanel] = {}


def register_home_panel(panel: HomePanel) -> None:
    _panels[panel.name] = panel


def home_panels() -> list[HomePanel]:
    return sorted(_panels.values(), key=lambda p: p.order)
