"""The pledge form lists countries in the alphabetical order of the page's language.

django-countries sorts with pyuca (the Unicode Collation Algorithm) when it is
installed; without it, by each name's ASCII letters only, which leaves Russian
and Arabic lists in English order. Collation has finer rules (how hyphens or a
hamza weigh); what every reader expects, and what is checked here, is that the
names go through the alphabet letter by letter: each name's first letter comes
no earlier than the one before it. (Chinese is left out: UCA orders characters by
radical and stroke, where a reader might expect pinyin.)"""

import re
import unicodedata
from itertools import pairwise

import pytest

pytestmark = pytest.mark.django_db

OPTION = re.compile(r'<option value="[A-Z]{2}"[^>]*>([^<]+)</option>')
# Alef with madda, hamza above or below, or wasla is alef, one letter of the
# alphabet; so is yo (ё) with ie.
ALEF = "\u0627"
SAME_LETTER = str.maketrans(
    {"\u0622": ALEF, "\u0623": ALEF, "\u0625": ALEF, "\u0671": ALEF, "\u0451": "\u0435"}
)


def first_letter(name: str) -> str:
    letter = next(ch for ch in name.lower() if ch.isalpha())
    # An accent is not a letter of its own (é is e), but й is not и.
    base = letter if letter == "й" else unicodedata.normalize("NFKD", letter)[0]
    return base.translate(SAME_LETTER)


@pytest.mark.parametrize(
    ("language", "first"), [("ru", "Австралия"), ("ar", "آروبا"), ("fr", "Afghanistan")]
)
def test_it_lists_countries_in_the_order_of_the_language(client, language, first):
    names = OPTION.findall(client.get(f"/{language}/pledge/").content.decode())
    assert len(names) > 200
    out_of_order = [(a, b) for a, b in pairwise(names) if first_letter(a) > first_letter(b)]
    assert not out_of_order, out_of_order[:5]
    assert names[0] == first
