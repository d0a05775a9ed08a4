"""The staff home links to the editors each role may use."""

import pytest

from tests.staff import sign_in_as

pytestmark = pytest.mark.django_db

LINKS = {
    "countries": '<a href="/staff/countries/">Country pages</a>',
    "pages": '<a href="/staff/pages/">Information pages</a>',
}


@pytest.mark.parametrize(
    ("persona", "shown"),
    [
        ("moderator_pt", {"countries"}),
        ("organiser", {"pages"}),
        ("administrator", {"countries", "pages"}),
    ],
)
def test_it_links_to_the_editors_the_role_may_use(client, persona, shown):
    sign_in_as(client, persona)
    page = client.get("/staff/").content.decode()
    assert {name for name, link in LINKS.items() if link in page} == shown
