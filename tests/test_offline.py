"""The offline machinery over HTTP: the service worker at the root (its scope, type, no caching,
a version that follows the precached files), the web app manifest, the short "no network" page,
and which pages declare themselves offline-capable (the others are never kept)."""

import json
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories.accounts import client_for, make_user
from wangge.core import offline

pytestmark = pytest.mark.django_db


def worker_config(body: str) -> dict:
    match = re.search(r"var CONFIG = (\{.*?\});\n", body)
    assert match, "the worker carries its configuration"
    return json.loads(match.group(1))


def test_the_service_worker_is_served_at_the_root_as_javascript_never_cached():
    r = Client().get("/sw.js")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/javascript")
    assert r["Service-Worker-Allowed"] == "/"
    assert "no-cache" in r["Cache-Control"] and "max-age=0" in r["Cache-Control"]
    body = r.content.decode()
    assert "__WANGGE_CONFIG__" not in body
    config = worker_config(body)
    assert re.fullmatch(r"[0-9a-f]{16}", config["version"])
    assert config["offline"] == reverse("core:offline")
    assert config["header"] == "X-Wangge-Offline"
    # the app shell and the table page's scripts, by their static URLs
    for name in ("wangge/app.css", "wangge/app.js", "wangge/offline.js", "wangge/table.js"):
        assert f"/static/{name}" in config["assets"]
    assert any(a.startswith("/static/vendor/htmx-") for a in config["assets"])
    assert any(a.startswith("/static/vendor/html5-qrcode-") for a in config["assets"])
    # a logged-in visitor gets the very same worker
    logged_in = client_for(make_user("sw-reader", None)).get("/sw.js")
    assert logged_in.status_code == 200 and worker_config(logged_in.content.decode()) == config


def test_the_version_changes_when_a_precached_file_changes(tmp_path, monkeypatch):
    asset = tmp_path / "extra.js"
    asset.write_text("console.log(1);")
    monkeypatch.setattr(offline, "_assets", dict(offline._assets))
    offline.register_offline_assets("test/extra.js")
    real = offline._source_file
    monkeypatch.setattr(offline, "_source_file", lambda n: str(asset) if n == "test/extra.js" else real(n))

    first = worker_config(Client().get("/sw.js").content.decode())
    assert "/static/test/extra.js" in first["assets"]
    assert worker_config(Client().get("/sw.js").content.decode())["version"] == first["version"]  # stable

    asset.write_text("console.log(2);  // a new deploy")
    second = worker_config(Client().get("/sw.js").content.decode())
    assert second["version"] != first["version"]
    # the worker names its caches by version, and deletes the others when it takes over
    body = Client().get("/sw.js").content.decode()
    assert 'var SHELL = PREFIX + "shell-" + CONFIG.version;' in body
    assert 'caches["delete"]' in body


def test_the_worker_source_is_the_file_in_the_kernel():
    source = Path(offline.WORKER_SOURCE).read_text(encoding="utf-8")
    assert offline.CONFIG_MARK in source
    assert "importScripts" not in source  # nothing loaded from elsewhere, no CDN


def test_the_manifest_makes_the_site_installable_in_chinese():
    r = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/manifest.webmanifest")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/manifest+json")
    data = json.loads(r.content)
    assert data["name"] == "网格化疫情防控平台" and data["short_name"] == "网格通"
    assert data["display"] == "standalone"
    assert data["start_url"] == "/" and data["scope"] == "/"
    sizes = {i["sizes"]: i for i in data["icons"]}
    assert {"192x192", "512x512"} <= set(sizes)
    assert any(i["purpose"] == "maskable" for i in data["icons"])
    static_root = Path(__file__).resolve().parent.parent / "wangge" / "static"
    for icon in data["icons"]:
        assert icon["type"] == "image/png"
        path = static_root / icon["src"].removeprefix("/static/")
        head = path.read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
        assert f"{width}x{height}" == icon["sizes"]


def test_every_page_links_the_manifest_and_registers_the_worker_without_inline_script(world):
    html = Client().get(reverse("accounts:login")).content.decode()
    assert 'rel="manifest" href="/manifest.webmanifest"' in html
    assert re.search(r'<script src="/static/wangge/offline\.js"[^>]*data-sw="/sw\.js"', html)
    assert 'data-signed-in="0"' in html  # nobody logged in: the worker forgets the kept pages
    assert 'data-offline="0"' in html


def test_the_offline_message_is_short_chinese_and_public():
    r = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(reverse("core:offline"))
    assert r.status_code == 200
    html = r.content.decode()
    assert "网络已断开" in html and "此页面无法离线打开" in html
    assert "X-Wangge-Offline" not in r  # the message itself is precached, not kept as a page


def test_only_pages_that_declare_themselves_offline_capable_are_marked(testing):
    c = client_for(testing.registrar)
    table = c.get(reverse("testing:table", kwargs={"site_id": testing.site.pk}) + "?table=1")
    pick = c.get(reverse("testing:table_pick"))
    for r in (table, pick):
        assert r.status_code == 200 and r["X-Wangge-Offline"] == "1"
        assert 'data-offline="1"' in r.content.decode()
    for url in (reverse("core:home"), reverse("testing:tubes", kwargs={"site_id": testing.site.pk})):
        r = c.get(url)
        assert r.status_code == 200
        assert "X-Wangge-Offline" not in r
        assert 'data-offline="0"' in r.content.decode()
    # not logged in: redirected to the login page, which is never kept as the table page
    anon = Client().get(reverse("testing:table_pick"))
    assert anon.status_code == 302 and "X-Wangge-Offline" not in anon


def test_the_policy_allows_our_own_worker_and_manifest_only():
    r = Client().get(reverse("accounts:login"))
    csp = r["Content-Security-Policy"]
    assert "worker-src 'self'" in csp and "manifest-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
