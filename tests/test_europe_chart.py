"""The Europe page's chart shows exactly the regions and shares the source gives.

The shares are read out of a copy of the campaign's article (tests/data), not
typed into the test, so the chart and its data table are held to the source
itself: a missing, extra, reordered or mistyped row fails in every language.
"""

import re
from pathlib import Path

import pytest

from tests.articles import STARTER_LANGUAGES, Element, article_html, parse

pytestmark = pytest.mark.django_db

SEED = Path(__file__).parent / "data" / "blue-heart-campaign-2021.txt"

# "The majority of the victims come from the Balkans (32%) and countries of the
# former Soviet Union (19%). 13% come from South America, 7% from Central
# Europe, 5% from Africa and 3% from East Asia."
ORIGINS_PARAGRAPH = re.compile(r"The majority of the victims come from [^\n]+")
REGION_THEN_SHARE = re.compile(r"(?:from (?:the )?|and )([A-Za-z][A-Za-z ]*?) \((\d+)%\)")
SHARE_THEN_REGION = re.compile(r"(\d+)% (?:come )?from ([A-Z][A-Za-z ]*?)(?=,| and |\.)")


def regions_in_the_source() -> list[tuple[str, int]]:
    """(region, share in %) in the order the source gives them."""
    paragraph = ORIGINS_PARAGRAPH.search(SEED.read_text(encoding="utf-8")).group(0)
    found = [
        (m.start(), m.group(1), int(m.group(2))) for m in REGION_THEN_SHARE.finditer(paragraph)
    ]
    found += [
        (m.start(), m.group(2), int(m.group(1))) for m in SHARE_THEN_REGION.finditer(paragraph)
    ]
    return [(region[0].upper() + region[1:], share) for _at, region, share in sorted(found)]


def the_chart(language: str) -> Element:
    charts = [
        e for e in parse(article_html("europe", language)).iter()
        if e.tag == "figure" and "chart" in e.classes()
    ]  # fmt: skip
    assert len(charts) == 1, f"{len(charts)} charts on the Europe page ({language})"
    return charts[0]


def table_rows(chart: Element) -> list[tuple[str, float]]:
    """(label, value) of each data row of the chart's table."""
    rows = []
    for row in (e for e in chart.iter() if e.tag == "tr"):
        cells = [" ".join(c.text().split()) for c in row.children if isinstance(c, Element)]
        if any(a.tag == "thead" for a in row.ancestors()):
            continue
        value = re.search(r"\d+(?:[.,]\d+)?", " ".join(cells[1:]))
        rows.append((cells[0], float(value.group(0).replace(",", "."))))
    return rows


def test_it_reads_six_regions_out_of_the_source():
    # The parser itself, against the sentence as the source writes it.
    assert regions_in_the_source() == [
        ("Balkans", 32),
        ("Countries of the former Soviet Union", 19),
        ("South America", 13),
        ("Central Europe", 7),
        ("Africa", 5),
        ("East Asia", 3),
    ]


@pytest.mark.parametrize("language", STARTER_LANGUAGES)
def test_it_draws_the_chart_with_a_data_table(language):
    chart = the_chart(language)
    tags = {e.tag for e in chart.iter()}
    assert {"svg", "table", "figcaption"} <= tags


@pytest.mark.parametrize("language", STARTER_LANGUAGES)
def test_it_charts_exactly_the_shares_of_the_source(language):
    rows = table_rows(the_chart(language))
    assert [value for _label, value in rows] == [share for _r, share in regions_in_the_source()]


def test_it_names_the_regions_as_the_source_does_in_english():
    rows = table_rows(the_chart("en"))
    assert [label for label, _value in rows] == [region for region, _s in regions_in_the_source()]


@pytest.mark.parametrize("language", STARTER_LANGUAGES)
def test_it_says_the_shares_add_up_to_less_than_all_the_victims(language):
    # The source accounts for 79% of the victims; the page must say so right
    # after the chart instead of letting the chart read as the whole.
    total = sum(share for _r, share in regions_in_the_source())
    assert total == 79
    _before, after = the_chart(language).siblings()
    assert after is not None and after.tag == "p"
    assert re.search(rf"(?<!\d){total}\s?%", after.text())
