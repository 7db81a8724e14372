"""The interface is Simplified Chinese by default, English on request, and the catalogue is complete."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
ZH_PO = ROOT / "wangge" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def untranslated(po: polib.POFile) -> list[str]:
    return [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]


def test_chinese_catalogue_is_complete_and_compiled():
    po = polib.pofile(str(ZH_PO))
    assert untranslated(po) == []
    mo = ZH_PO.with_suffix(".mo")
    assert mo.exists(), "compile the catalogue: make messages"
    compiled = {e.msgid for e in polib.mofile(str(mo))}
    assert {e.msgid for e in po.translated_entries()} <= compiled | {""}


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext")
def test_every_interface_string_is_in_the_catalogue(tmp_path):
    """Extract the strings afresh from a copy of the code: none may be missing a translation."""
    copy = tmp_path / "wangge"
    shutil.copytree(ROOT / "wangge", copy, ignore=shutil.ignore_patterns("static", "__pycache__"))
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-obsolete",
            "-v",
            "0",
        ],
        cwd=copy,
        check=True,
    )
    fresh = polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    assert untranslated(fresh) == []


@pytest.mark.chinese_default
def test_pages_are_chinese_by_default_and_english_on_request(client, world, office_leader):
    client.force_login(office_leader)
    zh = client.get("/").content.decode()
    assert 'lang="zh-hans"' in zh and "首页" in zh and "Home" not in zh
    client.cookies["django_language"] = "en"
    en = client.get("/").content.decode()
    assert "Home" in en and "首页" not in en
