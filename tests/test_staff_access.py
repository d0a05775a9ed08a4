"""Who may open which staff page: every staff URL (ours and the Django admin's)
for every persona, with and without MFA set up. The URLs come from the URL
configuration, so a new staff page cannot be left out."""

from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import URLPattern, get_resolver, reverse

from tests.staff import PERSONAS, enable_mfa, make_persona

pytestmark = pytest.mark.django_db

STAFF_PREFIX = "staff/"


def staff_urls() -> list[str]:
    """Every route under /staff/ and, for the admin, its index and the list of
    every registered model."""
    urls = []
    for entry in get_resolver().url_patterns:
        for inner in getattr(entry, "url_patterns", []):
            if str(inner.pattern) == STAFF_PREFIX:
                urls += [
                    "/" + STAFF_PREFIX + str(route.pattern)
                    for route in inner.url_patterns
                    if isinstance(route, URLPattern)
                ]
    urls.append(reverse("admin:index"))
    for model in apps.get_models():
        if admin.site.is_registered(model):
            meta = model._meta
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    return urls


GET_ONLY_FOR_POST = {"/staff/roles/grant/", "/staff/roles/revoke/"}
# Staff without a second factor are sent to set one up (allauth then asks them to
# confirm who they are before showing the QR code).
MFA_SETUP = "sent to set up MFA"


def expected(persona: str, mfa: bool, url: str) -> tuple[int, str | None]:
    """(final status, final path if redirected elsewhere) after following redirects.
    The admin sends whoever may not use it to its login page, which answers."""
    in_admin = url.startswith("/admin/")
    refused = "/admin/login/" if in_admin else None
    if persona == "anonymous":
        return (200, "/accounts/login/") if in_admin else (404, None)
    if persona == "supporter":
        return 404, refused
    if not mfa:
        return MFA_SETUP, None
    if in_admin:
        return (200, None) if persona == "administrator" else (403, refused)
    if url == "/staff/":
        return 200, None
    may_manage_roles = persona in ("organiser", "administrator")
    if not may_manage_roles:
        return 403, None
    return (405, None) if url in GET_ONLY_FOR_POST else (200, None)


def test_the_matrix_covers_our_pages_and_the_admin():
    urls = staff_urls()
    assert {"/staff/", "/staff/roles/", "/staff/roles/grant/", "/admin/"} <= set(urls)
    assert "/admin/accounts/user/" in urls


@pytest.mark.parametrize("mfa", [False, True], ids=["without-mfa", "with-mfa"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_reaches_exactly_what_its_role_allows(client, persona, mfa):
    user = make_persona(persona)
    if user is not None:
        if mfa:
            enable_mfa(user)
        client.force_login(user)
    for url in staff_urls():
        status, landing = expected(persona, mfa, url)
        response = client.get(url, follow=True)
        if status == MFA_SETUP:
            chain = [urlsplit(location).path for location, _status in response.redirect_chain]
            assert "/accounts/2fa/totp/activate/" in chain, (persona, url, chain)
            continue
        seen = (response.status_code, response.request["PATH_INFO"])
        assert seen == (status, landing or url), (persona, mfa, url)


def test_a_supporter_cannot_learn_the_admin_exists_by_its_answer(client):
    client.force_login(make_persona("supporter"))
    assert client.get("/admin/", follow=True).status_code == 404
    assert client.get("/staff/nonexistent/").status_code == 404
