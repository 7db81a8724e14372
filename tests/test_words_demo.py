"""Words: every page of the demo, in Chinese, as every demo login, shows no English and no code.

Each login starts at its home and follows the links on its pages (GET only, within the site,
bounded in depth and count, a couple of pages per URL shape so every list and detail page is
seen once or twice, not every person). The visible text of each page (no scripts, no styles,
no attributes) may hold Latin letters only in the allow-list of proper terms below, or in data
the demo itself stores (usernames, unit codes, lab file names). The page's title must say what
the page is (not just the site's name), and no page's main (primary) button may destroy anything.
"""

from __future__ import annotations

import re
from collections import defaultdict
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from django.utils import translation

from tests.factories import make_user
from wangge.demo.builder import DEFAULT_SEED, build_demo
from wangge.demo.logins import DEMO_LOGINS

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PEOPLE = 3000
MAX_PAGES = 260  # per login
MAX_DEPTH = 4
PER_SHAPE = 2  # pages visited per URL shape (digits and query values blanked)

# Proper terms that stay in Latin letters in the Chinese interface.
ALLOWED = {
    "QR",
    "Excel",
    "CSV",
    "API",
    "PDF",
    "km",
    "English",  # the language switcher names English in English
    "Wangge",
    "IT",  # IT产业园社区服务中心, a proper name in the demo
    "xlsx",
    "xls",
    "csv",
    "json",
    "UTF",  # encodings a file may come in
    "GBK",
    "Authorization",  # the HTTP header an API token goes in, quoted as it must be typed
    "Bearer",
}
# Words the demo stores as data: logins, codes of units and lab files, plate numbers and the like.
DATA_WORD = re.compile(r"^(?:[A-Z]{1,4}(?:-[A-Z0-9]+)*|[A-Z0-9]+-[A-Z0-9-]+|[A-Z]?\d+[A-Z]*|[A-Z]{2,})$")
SKIP_PREFIXES = ("/static/", "/api/", "/i18n/", "/accounts/logout", "/media/")
SKIP_SUFFIXES = (".xlsx", ".csv", ".pdf", ".png", ".svg", ".json", ".txt")
SKIP_WORDS = ("export", "download", "logout", "/print", ".xlsx", "/file")


NOT_MAIN = {"secondary", "link", "outline", "contrast", "danger", "btn-danger", "btn-secondary", "btn-link"}


def is_main_button(tag: str, attrs: dict, classes: list[str]) -> bool:
    """A button drawn as the page's main action: a plain button (the stylesheet's default is the
    primary look) or one marked primary; secondary, outline, link and danger looks are not."""
    if "btn-primary" in classes or "primary" in classes:
        return True
    if tag == "button" or (tag == "input" and attrs.get("type") == "submit"):
        if attrs.get("type") == "button" and not classes:
            return False
        return not (set(classes) & NOT_MAIN or any(c.startswith("btn-outline") for c in classes))
    return False


class Visible(HTMLParser):
    """The text a reader sees: no script, style or template content; no attributes."""

    HIDDEN = {"script", "style", "template", "noscript"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth_hidden = 0
        self.chunks: list[str] = []
        self.title = ""
        self.in_title = False
        self.links: list[str] = []
        self.primary: list[dict] = []
        self._button: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs_d = dict(attrs)
        if tag in self.HIDDEN:
            self.depth_hidden += 1
        if tag == "title":
            self.in_title = True
        if tag == "a" and attrs_d.get("href"):
            self.links.append(attrs_d["href"])
        classes = (attrs_d.get("class") or "").split()
        if is_main_button(tag, attrs_d, classes):
            self._button = {"tag": tag, "text": attrs_d.get("value") or "", "classes": classes}
            self.primary.append(self._button)
            if tag == "input":
                self._button = None

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.depth_hidden:
            self.depth_hidden -= 1
        if tag == "title":
            self.in_title = False
        if tag in ("button", "a"):
            self._button = None

    def handle_data(self, data):
        if self.depth_hidden:
            return
        if self.in_title:
            self.title += data
            return
        self.chunks.append(data)
        if self._button is not None:
            self._button["text"] += data

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.chunks).split())


def shape(url: str) -> str:
    parts = urlsplit(url)
    path = re.sub(r"\d+", "N", parts.path)
    path = re.sub(r"/[0-9a-f]{8}-[0-9a-f-]{27}/", "/U/", path)
    keys = sorted({kv.split("=")[0] for kv in parts.query.split("&") if kv})
    return path + "?" + "&".join(keys)


def crawl(client: Client, start: str = "/") -> dict[str, str]:
    """The pages reachable from `start`: url -> html."""
    pages: dict[str, str] = {}
    seen_shapes: dict[str, int] = defaultdict(int)
    queue: list[tuple[str, int]] = [(start, 0)]
    queued = {start}
    while queue and len(pages) < MAX_PAGES:
        url, depth = queue.pop(0)
        response = client.get(url)
        if response.status_code in (301, 302):
            target = response["Location"]
            if target.startswith("/") and target not in queued and not target.startswith("/accounts/login"):
                queued.add(target)
                queue.insert(0, (target, depth))
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        pages[url] = html
        if depth >= MAX_DEPTH:
            continue
        parser = Visible()
        parser.feed(html)
        for href in parser.links:
            href = href.split("#")[0]
            if not href.startswith("/") or href.startswith("//") or href in queued:
                continue
            if href.startswith(SKIP_PREFIXES) or href.endswith(SKIP_SUFFIXES):
                continue
            if any(w in href for w in SKIP_WORDS):
                continue
            key = shape(href)
            if seen_shapes[key] >= PER_SHAPE:
                continue
            seen_shapes[key] += 1
            queued.add(href)
            queue.append((href, depth + 1))
    return pages


LATIN = re.compile(r"[A-Za-z][A-Za-z_\-']*")
# Not words: paths a reader types (/s/my-measure/), request ids, UUIDs and other hex numbers.
NOT_WORDS = re.compile(r"(?<![\w/])/[\w\-./]+|\b[0-9a-f]{8}-[0-9a-f-]{27}\b|\b(?=[0-9a-f]*\d)[0-9a-f]{12,}\b")


def latin_leftovers(text: str, data_words: set[str]) -> list[str]:
    found = []
    text = NOT_WORDS.sub(" ", text)
    for match in LATIN.finditer(text):
        word = match.group(0).strip("-'")
        if not word or word in ALLOWED or word in data_words:
            continue
        if "_" not in word and DATA_WORD.match(word):
            continue
        start, end = max(0, match.start() - 12), match.end() + 12
        found.append(f"{word!r} in …{text[start:end]}…")
    return found


DESTRUCTIVE = ("移出", "删除", "撤销", "作废", "注销", "清空", "解除", "驳回", "拒绝", "停用", "移除")


pytestmark = pytest.mark.chinese_default


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker):
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS, LANGUAGE_CODE="zh-hans"),
        translation.override("zh-hans"),
        transaction.atomic(),
    ):
        build_demo(seed=DEFAULT_SEED, people=PEOPLE)
        from wangge.accounts.models import User

        data_words = set(User.objects.values_list("username", flat=True))
        results = {}
        for login in DEMO_LOGINS:
            client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
            client.force_login(User.objects.get(username=login.username))
            results[login.username] = crawl(client)
        yield results, data_words
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_crawl_sees_many_pages(site):
    pages, _ = site
    assert len(pages["admin"]) > 60
    assert len(pages["wanggezhang"]) > 15
    assert len(pages["jiance"]) > 3


@pytest.mark.django_db
def test_no_english_or_codes_in_the_chinese_interface(site):
    pages, data_words = site
    problems: dict[str, list[str]] = defaultdict(list)
    for username, by_url in pages.items():
        for url, html in by_url.items():
            parser = Visible()
            parser.feed(html)
            for found in latin_leftovers(parser.text, data_words):
                problems[found.split(" in ")[0]].append(f"{username} {url}: {found}")
    report = "\n".join(f"{word}: {len(where)}× e.g. {where[0]}" for word, where in sorted(problems.items()))
    assert not problems, "Latin words in the Chinese interface:\n" + report


@pytest.mark.django_db
def test_every_title_says_what_the_page_is(site):
    pages, _ = site
    bad = []
    for username, by_url in pages.items():
        for url, html in by_url.items():
            parser = Visible()
            parser.feed(html)
            title = " ".join(parser.title.split())
            page_part = title.split("·")[0].split("|")[0].strip()
            vague = not page_part or page_part in ("网格通", "Wangge") or len(title.split("·")) < 2
            # A title is a name, not a page's content (a section once leaked into one).
            if vague or len(title.rsplit("·", 1)[0]) > 60:
                bad.append(f"{username} {url}: {title!r}")
    assert not bad, "Titles that do not say what the page is:\n" + "\n".join(sorted(set(bad))[:80])


@pytest.mark.django_db
def test_no_destructive_action_is_a_page_s_main_button(site):
    pages, _ = site
    bad = []
    for username, by_url in pages.items():
        for url, html in by_url.items():
            parser = Visible()
            parser.feed(html)
            for button in parser.primary:
                text = " ".join(button["text"].split())
                if any(word in text for word in DESTRUCTIVE):
                    bad.append(f"{username} {url}: {text!r}")
    assert not bad, "Destructive main buttons:\n" + "\n".join(sorted(set(bad)))


@pytest.mark.django_db
def test_a_reveal_reads_in_chinese_in_the_audit_log(client, world, screening):
    from tests.factories.reveal import revealed
    from wangge.audit.models import AuditEvent

    person = screening.people_a[0]
    client.force_login(screening.cadre)
    page = client.get(f"/registry/people/{person.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert revealed(client, page)
    admin = make_user("audit_zh", world.district, "district_admin")
    client.force_login(admin)
    event = AuditEvent.objects.filter(action="view", after__has_key="revealed").latest("pk")
    for url in ("/audit/", f"/audit/{event.pk}/"):
        parser = Visible()
        parser.feed(client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode())
        found = latin_leftovers(parser.text, {"audit_zh", screening.cadre.username})
        assert found == [], url + "\n" + "\n".join(found)


@pytest.mark.django_db
def test_one_english_word_two_chinese_meanings_each_has_its_context():
    """Words that mean different things in different places are translated per context."""
    from wangge.audit.models import Action
    from wangge.screening.models import ServiceStatus
    from wangge.testing.models import RoundStatus, TubeStatus

    with translation.override("zh-hans"):
        labels = {
            str(ServiceStatus.OPEN.label),  # a service request waiting
            str(TubeStatus.OPEN.label),  # a tube in use at a table
            str(translation.pgettext("org unit", "Open")),  # a unit not closed
        }
        assert len(labels) == 3, labels
        assert str(RoundStatus.CLOSED.label) != str(Action.CLOSE.label)  # a round ends; a unit is closed
        assert translation.pgettext("put in a grid", "Place") != translation.pgettext("place", "From")
        assert translation.pgettext("put in a grid", "Place") != translation.gettext("Place")
        assert translation.pgettext("phone", "Call") != translation.gettext("Calling batch")
