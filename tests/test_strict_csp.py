"""No inline script or style anywhere, and a Content-Security-Policy that
would refuse one: the policy never says 'unsafe-inline' (nor 'unsafe-eval').

Mallory gets some markup of hers into a page (a sanitiser's miss, say): the
browser runs none of it, since only our own files may run or style. Which holds
only while no template of ours needs an inline script or style, so every
template is read for one, and every page rendered (to a visitor and to Adam
the administrator) is read too, which covers the libraries' templates we serve.

Emails are not pages: mail clients ignore <style> blocks, so an email's HTML
styles itself inline, and no browser applies our policy to it.

The one policy with 'unsafe-inline' is an update's staff preview
(mailings/staff_views.py): the email's own HTML, inline styles and all, in a
sandbox where no script runs, nothing is sent and nothing loads but our images."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings

from mailings.staff_views import PREVIEW_CSP
from pledges.tokens import make_confirm_token
from tests import published
from tests.conftest import make_pledge
from tests.staff import sign_in_as
from tests.test_framing import policy
from tests.test_head import routes

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
UNSAFE = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'")
# Script types a browser never runs: data for a script to read.
DATA_TYPES = {"application/json", "application/ld+json"}
# Escaped text is shown, never parsed as markup: the widget snippets an
# organisation copies onto its own site, say.
ESCAPED = re.compile(r"{% filter force_escape %}.*?{% endfilter %}", re.DOTALL)
COMMENTS = re.compile(r"{#.*?#}|{% comment %}.*?{% endcomment %}", re.DOTALL)


class InlineCode(HTMLParser):
    """Collects what a strict policy would refuse: <script> without src,
    <style>, style="…", on…= handlers and javascript: addresses."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name.lower(): value or "" for name, value in attrs}
        if tag == "script" and "src" not in names and names.get("type") not in DATA_TYPES:
            self.found.append(f"<script> without src at line {self.getpos()[0]}")
        if tag == "style":
            self.found.append(f"<style> at line {self.getpos()[0]}")
        for name, value in names.items():
            if name == "style" or name.startswith("on"):
                self.found.append(f'{name}="…" on <{tag}> at line {self.getpos()[0]}')
            if value.strip().lower().startswith("javascript:"):
                self.found.append(f"a javascript: address on <{tag}> at line {self.getpos()[0]}")

    handle_startendtag = handle_starttag


def inline_code(markup: str) -> list[str]:
    parser = InlineCode()
    parser.feed(markup)
    parser.close()
    return parser.found


def is_email(template: Path) -> bool:
    parts = template.relative_to(ROOT / "templates").parts
    return "emails" in parts or parts[:2] == ("account", "email")


def page_templates() -> list[Path]:
    found = []
    for directory in [ROOT / "templates"]:
        for template in sorted(directory.rglob("*")):
            if template.suffix in {".html", ".svg", ".xml"} and not is_email(template):
                found.append(template)
    return found


def test_the_reader_finds_each_kind_of_inline_code():
    sample = """
        <script>alert(1)</script>
        <script type="module">import "x";</script>
        <style>p { color: red }</style>
        <p style="color: red">
        <a href="JavaScript:alert(1)" onclick="go()">
        <img src="x" onerror="go()"/>
    """
    assert len(inline_code(sample)) == 7
    harmless = (
        '<script src="/static/js/share.js" defer></script>'
        '<script type="application/json">{}</script>'
    )
    assert inline_code(harmless) == []


def test_no_template_has_an_inline_script_or_style():
    templates = page_templates()
    assert {"base.html", "badges/page.html", "widgets/counter.html", "badges/badge.svg"} <= {
        str(t.relative_to(ROOT / "templates")) for t in templates
    }
    offending = {}
    for template in templates:
        source = COMMENTS.sub("", ESCAPED.sub("", template.read_text()))
        if found := inline_code(source):
            offending[str(template.relative_to(ROOT))] = found
    assert offending == {}


def test_the_policy_allows_no_inline_code():
    for name, values in settings.SECURE_CSP.items():
        assert not set(UNSAFE) & set(values), name
    # Scripts and styles fall back to default-src, our own origin only.
    assert "script-src" not in settings.SECURE_CSP and "style-src" not in settings.SECURE_CSP
    assert settings.SECURE_CSP["default-src"] == ["'self'"]


def test_the_preview_is_the_one_exception_and_runs_nothing():
    assert PREVIEW_CSP["style-src"] == ["'unsafe-inline'"]
    assert PREVIEW_CSP["default-src"] == ["'none'"]  # so no script, no connection
    assert PREVIEW_CSP["sandbox"] is True  # no script, no form, not even our origin


def every_path() -> list[str]:
    published.portugal()
    published.page("europe", texts={"en": {"title": "Europe"}})
    token = make_confirm_token(make_pledge("ana@example.org", "PT", confirmed=False).public_id)
    badge = make_pledge("bruno@example.org", "ES").public_id
    examples = {
        "<str:token>": token,
        "<iso2:iso2>": "pt",
        "<slug:slug>": "europe",
        "<uuid:public_id>": str(badge),
    }
    paths = []
    for route, translated in routes():
        path = "/" + re.sub(r"<[^>]+>", lambda m: examples.get(m.group(0), "x"), route)
        paths += [path, "/pt" + path] if translated else [path]
    return [*paths, "/admin/", "/admin/pledges/pledge/", "/admin/accounts/user/"]


def check_every_page(client) -> int:
    """Every response's policy, and every HTML page's markup; how many pages."""
    pages = 0
    for path in every_path():
        response = client.get(path)
        header = response.headers.get("Content-Security-Policy", "")
        assert header, (path, response.status_code)
        assert not any(word in header for word in UNSAFE), (path, header)
        assert policy(response).get("script-src", "'self'") in ("'self'", "'none'"), path
        if response.headers.get("Content-Type", "").startswith("text/html"):
            assert inline_code(response.content.decode()) == [], (path, response.status_code)
            pages += response.status_code == 200
    return pages


def test_no_page_a_visitor_sees_has_inline_code(client):
    assert check_every_page(client) > 20


def test_no_page_the_administrator_sees_has_inline_code(client):
    sign_in_as(client, "administrator", reauthenticated=True)
    assert check_every_page(client) > 20
