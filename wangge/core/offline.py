"""Pages that open with no network: the service worker's registry, kept by the kernel.

Two things are registered, each by the part that owns it (from its AppConfig.ready):

* **static assets** the worker precaches at install, keyed by version
  (`register_offline_assets("wangge/table.js", ...)`): the app shell and the vendored scripts;
* **offline-capable pages**, declared on the view itself with `@offline_page`: the answer carries
  the header `X-Wangge-Offline: 1`, and the worker (network first) keeps the last copy of such a
  page and shows it when the network is down. Any other page, with no network, shows a short
  message instead (core:offline). A page's own script keeps its data (queues, context) in the
  browser's storage; the worker only keeps the page.

The version is a hash of the worker's source and of every precached file's content: a deploy that
changes any of them gives a new worker, which installs a new cache and deletes the old ones.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.templatetags.static import static
from django.urls import reverse

OFFLINE_HEADER = "X-Wangge-Offline"
WORKER_SOURCE = Path(__file__).resolve().parent / "sw.js"
CONFIG_MARK = "/*__WANGGE_CONFIG__*/null"

_assets: dict[str, None] = {}  # insertion-ordered set of static names


def register_offline_assets(*names: str) -> None:
    """Static files (names as given to `{% static %}`) the worker keeps for offline use."""
    for name in names:
        _assets[name] = None


def offline_assets() -> list[str]:
    return list(_assets)


def offline_page(view: Callable) -> Callable:
    """Declare a page offline-capable: the service worker keeps its last copy for when the
    network is down. Put it above (outside) the access decorator; only a 200 answer that was
    not redirected (to the login page, say) is kept."""

    @functools.wraps(view)
    def wrapper(request, *args: Any, **kwargs: Any):
        request.wangge_offline = True
        response = view(request, *args, **kwargs)
        if getattr(response, "status_code", None) == 200:
            response[OFFLINE_HEADER] = "1"
        return response

    wrapper.wangge_offline = True  # type: ignore[attr-defined]
    return wrapper


def _source_file(name: str) -> str | None:
    found = finders.find(name)
    if found:
        return str(found[0] if isinstance(found, list) else found)
    try:
        return staticfiles_storage.path(name)
    except NotImplementedError:  # pragma: no cover - a remote storage
        return None


def _stamp(paths: list[str | None]) -> tuple:
    stamp = []
    for path in paths:
        try:
            st = os.stat(path) if path else None
        except OSError:
            st = None
        stamp.append((path, st.st_mtime_ns, st.st_size) if st else (path, None, None))
    return tuple(stamp)


@functools.lru_cache(maxsize=8)
def _hash(names: tuple[str, ...], stamp: tuple) -> str:
    digest = hashlib.sha256()
    digest.update(WORKER_SOURCE.read_bytes())
    for name, (path, _mtime, _size) in zip(names, stamp[1:], strict=True):
        digest.update(name.encode() + b"\0")
        if path:
            try:
                digest.update(Path(path).read_bytes())
            except OSError:
                digest.update(b"missing")
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def version() -> str:
    """The offline version: changes whenever the worker or any precached file changes."""
    names = tuple(offline_assets())
    paths = [str(WORKER_SOURCE)] + [_source_file(n) for n in names]
    return _hash(names, _stamp(paths))


def worker_config() -> dict:
    return {
        "version": version(),
        "assets": [static(name) for name in offline_assets()],
        "offline": reverse("core:offline"),
        "header": OFFLINE_HEADER,
    }


def worker_source() -> str:
    source = WORKER_SOURCE.read_text(encoding="utf-8")
    config = json.dumps(worker_config(), ensure_ascii=False, sort_keys=True)
    return source.replace(CONFIG_MARK, config, 1)
