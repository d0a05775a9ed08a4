"""A country page's history: every save of its settings and its text, newest
first, saying who, when and what changed, readable without colour."""

import re

import pytest
from django.utils import timezone

from accounts.models import RoleGrant
from campaign.models import Country
from tests import content
from tests.staff import make_persona, sign_in_as

pytestmark = pytest.mark.django_db

URL = "/staff/countries/pt/history/"


@pytest.fixture
def paula(client):
    return sign_in_as(client, "moderator_pt")[0]


def headings(page: str) -> list[str]:
    return re.findall(r'<h2 id="revision-\d+">([^<]*)</h2>', page)


def test_it_lists_every_save_newest_first_with_who_made_it(client, paula):
    content.country_text("PT", "pt", paula, headline="Um")
    content.country_text("PT", "pt", paula, headline="Dois")
    client.post("/staff/countries/pt/publish/")
    page = client.get(URL).content.decode()
    assert headings(page)[:3] == [
        "Settings, revision 1: Published (no earlier revision is kept: values as saved)",
        "Text in Portuguese, revision 3: Published",
        "Text in Portuguese, revision 2: Edited",
    ]
    assert "Text in Portuguese, revision 1: Created" in headings(page)
    assert page.count("by paula@example.org") == 4


def test_it_shows_a_short_field_as_before_and_after(client, paula):
    content.country_text("PT", "pt", paula, headline="Antes")
    content.country_text("PT", "pt", paula, headline="Depois")
    page = client.get(URL).content.decode()
    assert (
        '<del><span aria-hidden="true">- </span><span class="visually-hidden">Before: </span>'
        "Antes</del>"
    ) in page
    assert (
        '<ins><span aria-hidden="true">+ </span><span class="visually-hidden">After: </span>'
        "Depois</ins>"
    ) in page


def test_it_shows_long_text_as_a_line_diff_with_signs(client, paula):
    body = "\n".join(f"Linha {n}" for n in range(1, 11))
    content.country_text("PT", "pt", paula, body=body)
    content.country_text("PT", "pt", paula, body=body.replace("Linha 5", "Linha cinco"))
    page = client.get(URL).content.decode()
    diff = re.search(r'<div class="diff">(.*?)</div>', page).group(1)
    removed = re.findall(r"<del>.*?</span>([^<]*)</del>", diff)
    added = re.findall(r"<ins>.*?</span>([^<]*)</ins>", diff)
    assert (removed, added) == (["Linha 5"], ["Linha cinco"])
    assert '<span aria-hidden="true">- </span>' in diff
    assert '<span aria-hidden="true">+ </span>' in diff
    # Unchanged lines next to the change give context; those far away are left out.
    assert "Linha 3" in diff and "Linha 7" in diff
    assert "Linha 1<" not in diff and "Linha 10" not in diff
    assert diff.count('<span class="skipped">…</span>') == 2  # before and after


def test_it_shows_settings_changes_by_their_names(client, paula):
    country = Country.objects.get(code="PT")
    data = {
        "status": "launched",
        "launch_date": "2021-04-20",
        "launch_date_precision": "day",
        "languages": ["pt", "fr"],
        "supporter_goal": "1000",
    }
    assert client.post("/staff/countries/pt/", data).status_code == 302
    page = client.get(URL).content.decode()
    assert "Launched</ins>" in page
    assert "Portuguese, French</ins>" in page
    assert "<dt>Supporter goal</dt>" in page
    assert country.history.count() == 1


def test_it_escapes_what_editors_wrote(client, paula):
    content.country_text("PT", "pt", paula, body="<script>alert(1)</script>")
    page = client.get(URL).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_former_moderator_appears_by_number_only(client, paula):
    # Marta moderated Portugal, then went back to being a supporter.
    marta = make_persona("supporter")
    grant = RoleGrant.objects.create(
        user=marta, role="moderator", country="PT", granted_at=timezone.now()
    )
    content.country_text("PT", "pt", marta, headline="Marta's text")
    grant.delete()
    page = client.get(URL).content.decode()
    assert marta.email not in page
    assert f"account #{marta.pk}, no longer staff" in page


def test_a_save_outside_any_request_names_no_one(client, paula):
    content.country_text("PT", "pt", None, headline="From a migration")
    assert "by no account" in client.get(URL).content.decode()


def test_it_is_paginated(client, paula, monkeypatch):
    from core import editing

    monkeypatch.setattr(editing, "HISTORY_PAGE_SIZE", 2)
    content.forget_starter_texts("PT")
    for number in range(3):
        content.country_text("PT", "pt", paula, headline=f"Version {number}")
    first = client.get(URL).content.decode()
    assert headings(first) == [
        "Text in Portuguese, revision 3: Edited",
        "Text in Portuguese, revision 2: Edited",
    ]
    assert "Page 1 of 2" in first
    second = client.get(URL + "?page=2").content.decode()
    assert headings(second) == ["Text in Portuguese, revision 1: Created"]
    assert client.get(URL + "?page=nonsense").status_code == 200
