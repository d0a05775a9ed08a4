"""Who may open which staff page: every staff URL (ours and the Django admin's)
for every persona, with and without MFA set up. The URLs come from the URL
configuration, nested includes too, with their arguments filled in: each
country page for Spain and for Portugal, so a new staff page cannot be left
out, nor a moderator's reach into another country."""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import URLPattern, get_resolver, reverse

from tests import content
from tests.staff import PERSONAS, enable_mfa, make_persona, sign_in_as

pytestmark = pytest.mark.django_db

STAFF_PREFIX = "staff/"
ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>")
# The countries every country page is opened for, and the language of each
# one's text in the tests.
COUNTRIES = {"ES": "es", "PT": "pt"}


@dataclass(frozen=True)
class StaffURL:
    path: str
    name: str | None = None
    country: str | None = None  # the country a country page acts on


def staff_routes() -> list[tuple[str, str]]:
    """(route, URL name) of every page under /staff/, nested includes too."""

    def walk(patterns, prefix):
        for entry in patterns:
            if isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern), entry.name
            else:
                yield from walk(entry.url_patterns, prefix + str(entry.pattern))

    for entry in get_resolver().url_patterns:
        for inner in getattr(entry, "url_patterns", []):
            if str(inner.pattern) == STAFF_PREFIX:
                return list(walk(inner.url_patterns, "/" + STAFF_PREFIX))
    raise AssertionError("no /staff/ in the URL configuration")


@pytest.fixture
def arguments() -> dict:
    """Values for the routes' arguments: per country, and for information pages."""
    found = {}
    for code, language in COUNTRIES.items():
        translation = content.country_text(code, language)
        revision = content.drafts.latest_revision_id(translation)
        update = content.update(code, language)
        found[code] = {
            "iso2": code.lower(),
            "language": language,
            "revision": revision,
            "update": update.pk,
        }
    page = content.info_page()
    translation = content.page_text(page, "en")
    found["page"] = {
        "slug": page.slug,
        "language": "en",
        "revision": content.drafts.latest_revision_id(translation),
        # A large export's link: no such export, for anyone.
        "token": "no-such-export",
    }
    return found


def staff_urls(arguments: dict) -> list[StaffURL]:
    """Every route under /staff/ (a country page once per country) and, for the
    admin, its index and the list of every registered model."""
    urls = []
    for route, name in staff_routes():
        names = ARGUMENT.findall(route)
        # A campaign update's country is its audience's, not in its URL.
        if "iso2" in names or "update" in names:
            targets = [(code, arguments[code]) for code in COUNTRIES]
        else:
            targets = [(None, arguments["page"] if names else {})]
        for code, values in targets:
            path = ARGUMENT.sub(lambda match, values=values: str(values[match.group(1)]), route)
            urls.append(StaffURL(path, name, code))
    urls.append(StaffURL(reverse("admin:index")))
    for model in apps.get_models():
        if admin.site.is_registered(model):
            meta = model._meta
            urls.append(StaffURL(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")))
    return urls


# Who may take each action (accounts.rules), written out here so the matrix
# checks the rules rather than repeating them.
MAY = {
    "view_staff_area": {"moderator_pt", "moderator_es", "organiser", "administrator"},
    "manage_roles": {"organiser", "administrator"},
    "edit_country": {"moderator_pt", "moderator_es", "administrator"},
    "edit_pages": {"organiser", "administrator"},
    "send_updates": {"moderator_pt", "moderator_es", "organiser", "administrator"},
    # Every staff role; a moderator's page shows their own countries only
    # (tests/test_dashboard.py).
    "view_dashboard": {"moderator_pt", "moderator_es", "organiser", "administrator"},
    "export": {"moderator_pt", "moderator_es", "organiser", "administrator"},
    # Restoring or invalidating suspect pledges changes the counts themselves.
    "review_suspects": {"administrator"},
}
POST_ONLY = {
    "grant",
    "revoke",
    "country-create",
    "country-publish",
    "country-unpublish",
    "country-restore",
    "page-publish",
    "page-unpublish",
    "page-restore",
    "update-test-send",
    "update-send",
    "update-unschedule",
    "export-weekly",
    "review-apply",
}
# Pages that answer a bare GET with something other than 200: the download
# wants its query (400 without one), a large export's link its own export, the
# preview of a review its criteria (400 without any).
BARE_GET = {"export-download": 400, "export-file": 404, "review-preview": 400}


def action_of(name: str) -> str:
    if name == "home":
        return "view_staff_area"
    if name == "dashboard":
        return "view_dashboard"
    if name in ("roles", "grant", "revoke"):
        return "manage_roles"
    if name.startswith("countr"):
        return "edit_country"
    if name.startswith("page"):
        return "edit_pages"
    if name.startswith("update"):
        return "send_updates"
    if name.startswith("export"):
        return "export"
    if name.startswith("review"):
        return "review_suspects"
    raise AssertionError(f"a new staff page, {name!r}: say here who may open it")


def may(persona: str, url: StaffURL) -> bool:
    if persona not in MAY[action_of(url.name)]:
        return False
    # Moderators act only for their own countries.
    if url.country is not None and persona.startswith("moderator_"):
        return persona == f"moderator_{url.country.lower()}"
    return True


# Staff without a second factor are sent to set one up (allauth then asks them to
# confirm who they are before showing the QR code).
MFA_SETUP = "sent to set up MFA"


def expected(persona: str, mfa: bool, url: StaffURL) -> tuple[int, str | None]:
    """(final status, final path if redirected elsewhere) after following redirects.
    The admin sends whoever may not use it to its login page, which answers."""
    in_admin = url.path.startswith("/admin/")
    refused = "/admin/login/" if in_admin else None
    if persona == "anonymous":
        return (200, "/accounts/login/") if in_admin else (404, None)
    if persona == "supporter":
        return 404, refused
    if not mfa:
        return MFA_SETUP, None
    if in_admin:
        return (200, None) if persona == "administrator" else (403, refused)
    if not may(persona, url):
        return 403, None
    if url.name in BARE_GET:
        return BARE_GET[url.name], None
    return (405, None) if url.name in POST_ONLY else (200, None)


def test_the_matrix_covers_our_pages_and_the_admin(arguments):
    urls = staff_urls(arguments)
    paths = {url.path for url in urls}
    assert {"/staff/", "/staff/roles/", "/staff/roles/grant/", "/admin/"} <= paths
    assert "/staff/dashboard/" in paths
    assert "/admin/accounts/user/" in paths
    assert {"/staff/countries/", "/staff/countries/es/", "/staff/countries/pt/history/"} <= paths
    assert "/staff/countries/es/translations/es/preview/" in paths
    assert f"/staff/pages/{arguments['page']['slug']}/translations/en/" in paths
    names = {url.name for url in urls if url.country == "ES"}
    assert {"country", "country-translation", "country-restore", "country-publish"} <= names
    assert {"/staff/updates/", "/staff/updates/new/"} <= paths
    assert {"update", "update-preview", "update-send", "update-progress-json"} <= names
    assert {"/staff/exports/", "/staff/exports/download", "/staff/exports/weekly/"} <= paths
    assert {"/staff/review/", "/staff/review/preview/", "/staff/review/apply/"} <= paths


@pytest.mark.parametrize("mfa", [False, True], ids=["without-mfa", "with-mfa"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_reaches_exactly_what_its_role_allows(client, arguments, persona, mfa):
    user = make_persona(persona)
    if user is not None:
        if mfa:
            enable_mfa(user)
        client.force_login(user)
    for url in staff_urls(arguments):
        status, landing = expected(persona, mfa, url)
        response = client.get(url.path, follow=True)
        if status == MFA_SETUP:
            chain = [urlsplit(location).path for location, _status in response.redirect_chain]
            assert "/accounts/2fa/totp/activate/" in chain, (persona, url, chain)
            continue
        seen = (response.status_code, response.request["PATH_INFO"])
        assert seen == (status, landing or url.path), (persona, mfa, url)


def test_a_supporter_cannot_learn_the_admin_exists_by_its_answer(client):
    client.force_login(make_persona("supporter"))
    assert client.get("/admin/", follow=True).status_code == 404
    assert client.get("/staff/nonexistent/").status_code == 404


# What each page's form would send: enough that only the permission check
# stands between the request and a change.
def plausible_post(url: StaffURL) -> dict:
    if url.name == "country":
        return {
            "status": "launched",
            "launch_date": "2010-06-01",
            "launch_date_precision": "day",
            "languages": ["es", "en"],
            "supporter_goal": "5",
        }
    if url.name == "country-translation":
        return {"headline": "Hijacked", "body": "Changed", "based_on": ""}
    if url.name == "update":
        return {"country": "ES", "subject_es": "Hijacked", "body_es": "Changed"}
    if url.name == "update-test-send":
        return {"language": "es"}
    if url.name == "update-send":
        return {"when": "now"}
    return {}


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_portugal_moderator_reaches_nothing_of_spain_and_changes_nothing(
    client, arguments, method
):
    sign_in_as(client, "moderator_pt")
    # Spain's draft differs from what is live, so a publish would change something.
    content.country_text("ES", "es", headline="Draft not yet live")
    before = content.snapshot()
    spain = [url for url in staff_urls(arguments) if url.country == "ES"]
    assert len(spain) == 14
    for url in spain:
        response = getattr(client, method)(url.path, plausible_post(url))
        assert response.status_code in (403, 404), (method, url, response.status_code)
    assert content.snapshot() == before


@pytest.mark.parametrize("code", ["ES", "FR"])
def test_a_moderator_creates_no_page_for_a_country_not_theirs(client, code):
    sign_in_as(client, "moderator_pt")
    before = content.snapshot()
    response = client.post(reverse("staff:country-create"), {"code": code})
    assert response.status_code == 403
    assert content.snapshot() == before


@pytest.mark.parametrize("persona", ["moderator_pt", "moderator_es"])
def test_a_moderator_changes_no_information_page(client, arguments, persona):
    sign_in_as(client, persona)
    before = content.snapshot()
    pages = [url for url in staff_urls(arguments) if (url.name or "").startswith("page")]
    for url in pages:
        for send in (client.get, client.post):
            data = {"title": "Hijacked", "based_on": ""} if url.name == "page-translation" else {}
            assert send(url.path, data).status_code == 403, url
    assert content.snapshot() == before
