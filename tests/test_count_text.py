"""The count has a text equivalent: the big number on the home page and on a country
page is for the eye (aria-hidden), and the sentence under it, which a screen reader
reads, carries the same number; the progress bar toward a country's goal reads as
that sentence (aria-valuetext), not as a bare percentage."""

import re
from html import unescape

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import ngettext

from tests import published
from tests.conftest import make_pledge

pytestmark = pytest.mark.django_db


def count_section(html: str) -> str:
    return re.search(r'<section class="count".*?</section>', html, re.DOTALL).group(0)


@pytest.mark.parametrize("language", ["en", "ar", "pt"])
def test_the_home_page_s_count_is_a_sentence(language):
    make_pledge("ana@example.org", "PT")
    make_pledge("bruno@example.org", "ES")
    prefix = "" if language == "en" else f"/{language}"
    section = count_section(Client().get(f"{prefix}/").content.decode())
    assert re.search(r'<p class="count-number" aria-hidden="true">', section)
    with translation.override(language):
        sentence = ngettext(
            "%(total)s person has confirmed the pledge.",
            "%(total)s people have confirmed the pledge.",
            2,
        ) % {"total": 2}
    assert sentence in " ".join(unescape(re.sub(r"<[^>]+>", " ", section)).split())


def test_a_country_s_progress_toward_its_goal_reads_as_a_sentence():
    published.spain(supporter_goal=1000)
    make_pledge("bruno@example.org", "ES")
    section = count_section(Client().get("/countries/es/").content.decode())
    sentence = ngettext(
        "%(count)s supporter of a goal of %(goal)s (%(percent)s%%).",
        "%(count)s supporters of a goal of %(goal)s (%(percent)s%%).",
        1,
    ) % {"count": 1, "goal": "1,000", "percent": 0}
    # On the page its numbers are isolated (<bdi>); read aloud, it is the sentence alone.
    [shown] = re.findall(r'<p id="goal-text">(.*?)</p>', section)
    assert re.sub(r"</?bdi>", "", shown) == sentence
    assert f'aria-valuetext="{sentence}"' in section
    assert 'aria-labelledby="goal-text"' in section
