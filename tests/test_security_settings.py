"""Settings fail closed: no published secret key, production hardening, a Content-Security-Policy
without inline script, and no caching of answers that carry personal data."""

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core import signing
from django.test import Client

from tests.factories import make_user
from tests.factories.scoping import PARAM, all_routes
from wangge.core.access import SYSTEM
from wangge.registry import services as registry
from wangge.registry.codes import services as codes

ROOT = Path(__file__).resolve().parent.parent
OLD_PUBLISHED_KEY = "insecure-development-key-change-me"


def load_settings(tmp_path, code: str, **env) -> subprocess.CompletedProcess:
    """Run `code` after importing wangge.settings in a fresh interpreter, with only `env` set."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("WANGGE_", "DJANGO_"))}
    clean.update(WANGGE_VAR_DIR=str(tmp_path / "var"), **env)
    return subprocess.run(
        [sys.executable, "-c", "import wangge.settings as s\n" + code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- the secret key -------------------------------------------------------------------------


def test_settings_refuse_to_load_without_a_key_outside_debug(tmp_path):
    result = load_settings(tmp_path, "print(s.SECRET_KEY)")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "WANGGE_SECRET_KEY" in result.stderr
    assert OLD_PUBLISHED_KEY not in result.stdout
    production = load_settings(tmp_path, "print(s.SECRET_KEY)", WANGGE_PRODUCTION="1", WANGGE_DEBUG="1")
    assert production.returncode != 0 and "ImproperlyConfigured" in production.stderr


def test_a_given_key_is_used(tmp_path):
    result = load_settings(tmp_path, "print(s.SECRET_KEY)", WANGGE_SECRET_KEY="k" * 60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "k" * 60


def test_debug_uses_a_random_key_of_the_checkout_kept_in_var(tmp_path):
    first = load_settings(tmp_path, "print(s.SECRET_KEY)", WANGGE_DEBUG="1")
    again = load_settings(tmp_path, "print(s.SECRET_KEY)", WANGGE_DEBUG="1")
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert key == again.stdout.strip() and len(key) >= 50 and key != OLD_PUBLISHED_KEY
    key_file = tmp_path / "var" / "secret_key"
    assert key_file.read_text().strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    elsewhere = load_settings(tmp_path / "other", "print(s.SECRET_KEY)", WANGGE_DEBUG="1")
    assert elsewhere.stdout.strip() != key


@pytest.mark.django_db
def test_a_code_signed_with_the_old_published_key_is_refused(client, world, grid_leader_a):
    assert settings.SECRET_KEY != OLD_PUBLISHED_KEY
    building = registry.create_building(actor=SYSTEM, grid=world.grid_a, name="楼")
    room = registry.get_or_create_room(actor=SYSTEM, building=building, number="101")
    household = registry.create_household(actor=SYSTEM, room=room)
    person = registry.register_person(
        actor=SYSTEM, household=household, name="张海婷", id_type="passport", id_number="E12345678"
    )
    forged = f"{codes.PREFIX}:" + signing.Signer(
        key=OLD_PUBLISHED_KEY, salt=codes.SALT, algorithm="sha256"
    ).sign(f"{codes._b36(person.pk)}.{codes._b36(person.code_version)}")
    genuine = codes.make_token(person)
    assert forged != genuine
    assert codes.parse_token(forged) is None
    assert codes.parse_token(genuine) == (person.pk, person.code_version)
    client.force_login(grid_leader_a)
    html = client.post("/registry/codes/resolve/", {"token": forged}).content.decode()
    assert "张海婷" not in html
    assert "张海婷" in client.post("/registry/codes/resolve/", {"token": genuine}).content.decode()


# --- production settings ----------------------------------------------------------------------


def test_production_settings_harden_https(tmp_path):
    code = (
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_PROXY_SSL_HEADER, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_CONTENT_TYPE_NOSNIFF, s.SECURE_REFERRER_POLICY)"
    )
    result = load_settings(tmp_path, code, WANGGE_PRODUCTION="1", WANGGE_SECRET_KEY="p" * 60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "31536000",
        "True",
        "True",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
        "True",
        "True",
        "True",
        "same-origin",
    ]


def test_check_deploy_passes_with_production_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WANGGE_", "DJANGO_"))}
    env.update(
        WANGGE_PRODUCTION="1",
        WANGGE_SECRET_KEY="Zr8" + "x1-Q" * 16,
        WANGGE_ALLOWED_HOSTS="example.org",
        WANGGE_VAR_DIR=str(tmp_path / "var"),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- Content-Security-Policy ------------------------------------------------------------------


def directives(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def assert_strict_csp(response, url):
    policy = directives(response)
    assert policy, f"{url}: no Content-Security-Policy"
    assert policy["default-src"] == ["'self'"], url
    script = policy["script-src"]
    assert "'self'" in script, url
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, url
    assert "'none'" in policy["object-src"] and "'none'" in policy["frame-ancestors"], url
    return script


def parameterless_get_routes() -> list[str]:
    urls = []
    for route, _pattern in all_routes():
        if PARAM.search(route) or "logout" in route:
            continue
        urls.append("/" + route.lstrip("^").rstrip("$"))
    return urls


def test_every_page_carries_a_strict_csp_with_the_pages_nonce(world, admin_user):
    client = Client()
    client.force_login(admin_user)
    pages = 0
    for url in parameterless_get_routes():
        response = client.get(url)
        script = assert_strict_csp(response, url)
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            html = response.content.decode()
            if "wangge/app.js" not in html:
                continue  # an htmx fragment, or the API's own documentation page
            pages += 1
            nonces = [s.removeprefix("'nonce-").removesuffix("'") for s in script if s.startswith("'nonce-")]
            assert len(nonces) == 1, url
            assert f'nonce="{nonces[0]}"' in html, url
    assert pages > 20


@pytest.mark.django_db
def test_public_pages_carry_the_csp_too(client):
    for url in ["/accounts/login/", "/s/report/", "/s/my-measure/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict_csp(response, url)


def templates() -> list[Path]:
    return sorted((ROOT / "wangge").rglob("templates/**/*.html"))


INLINE_HANDLER = re.compile(r"<[^>]*\s(on[a-z]+)\s*=", re.IGNORECASE)
HX_ON = re.compile(r"\s(?:data-)?hx-on", re.IGNORECASE)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def test_templates_have_no_inline_script_without_a_nonce_nor_inline_handlers():
    found = templates()
    assert len(found) > 50
    problems = []
    for path in found:
        text = path.read_text()
        name = path.relative_to(ROOT)
        for m in INLINE_HANDLER.finditer(text):
            problems.append(f"{name}: inline handler {m.group(1)}=")
        if HX_ON.search(text):
            problems.append(f"{name}: hx-on (runs through eval)")
        if re.search(r"javascript:", text, re.IGNORECASE):
            problems.append(f"{name}: javascript: URL")
        for m in SCRIPT_TAG.finditer(text):
            attrs = m.group(1)
            if "src=" not in attrs and "nonce=" not in attrs and "application/json" not in attrs:
                problems.append(f"{name}: inline <script> without a nonce")
    assert problems == []


def test_the_template_scan_catches_what_it_looks_for():
    bad = '<button onclick="x()">x</button><div hx-on:click="y()"></div><script>z()</script>'
    assert INLINE_HANDLER.search(bad) and HX_ON.search(bad)
    assert any("src=" not in m.group(1) for m in SCRIPT_TAG.finditer(bad))
    assert not INLINE_HANDLER.search('<option data-confirm="ok" selected>on=</option>')


# --- no caching of personal data --------------------------------------------------------------


def no_store(response) -> bool:
    cache_control = response.get("Cache-Control", "")
    return "no-store" in cache_control and response.get("Pragma") == "no-cache"


def test_pages_for_a_logged_in_account_are_not_stored(world, admin_user):
    client = Client()
    client.force_login(admin_user)
    for url in ["/", "/registry/people/", "/accounts/tokens/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert no_store(response), url


@pytest.mark.django_db
def test_api_and_public_personal_pages_are_not_stored(client):
    for url in ["/s/report/", "/s/my-measure/", "/g/report/", "/g/status/", "/api/v1/units/"]:
        response = client.get(url)
        assert no_store(response), (url, response.status_code)


def test_api_answers_to_a_token_are_not_stored(world):
    from wangge.accounts import services as account_services

    user = make_user("api_user", world.grid_a, "grid_leader")
    _token, secret = account_services.issue_token(actor=user, name="t")
    response = Client().get("/api/v1/units/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    assert no_store(response)


@pytest.mark.django_db
def test_static_files_are_left_to_their_own_caching(client):
    static = client.get("/static/wangge/app.css")
    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "")
