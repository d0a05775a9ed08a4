"""Every figure on the starter pages has its source next to it, and the right one.

A figure is any digit in a paragraph, list item, blockquote or heading; a chart
or table may take its citation from the paragraph just before or after it.
Every note names a source with a year. The expected sources follow the
campaign's article, which lists its sources in the order of its findings.
"""

import re

import pytest

from campaign.models import CountryTranslation
from core.markdown import render_markdown
from pages.models import PageTranslation
from tests.articles import (
    STARTER_COUNTRIES,
    STARTER_LANGUAGES,
    STARTER_SLUGS,
    article_html,
    citing_units,
    country_html,
    plain_text,
    states_a_figure,
    uncited_figures,
)

pytestmark = pytest.mark.django_db

# The article the starter content was written from: the source of every
# figure and date it states without naming a study.
ARTICLE = "The Blue Heart Campaign"
ILO = "Forced Labour Statistics Factsheet"
UNODC_2006 = "Trafficking in Persons: Global Patterns"
IOM = "Counter-Trafficking Database"
UNICEF = "UK Child Trafficking Information Sheet"
BELSER = "Estimating the Profits"
STATE = "Trafficking in Persons Report"
UNODC_2010 = "Trafficking in persons to Europe for sexual exploitation"
EUROPOL = "Trafficking in Human Beings in the European Union"


def figure(pattern: str) -> re.Pattern:
    """A number as written in any of the seven languages, not part of another."""
    return re.compile(rf"(?<![\d,.]){pattern}(?![\d])")


# Thousands as French and Russian group them: a (narrow) no-break space.
SPACE = "[ \u00a0\u202f]"


# page -> (a figure on it, in any of the seven languages; the title it must cite).
# Chinese writes large figures in 万 (ten thousand) and 亿 (hundred million).
EXPECTED_SOURCES = {
    "blue-heart": [
        (figure("2009"), ARTICLE),
        (figure(r"2[.,]5|250万"), ARTICLE),  # "data compiled in 2010", as the article puts it
    ],
    "human-trafficking": [
        (figure(r"2[.,]5|250万"), ILO),
        (figure("161"), UNODC_2006),
        (figure("24"), IOM),
        (figure(r"1[.,]2|120万"), UNICEF),
        (figure("54"), IOM),
        (figure("46"), IOM),
        (figure("79"), IOM),
        (figure(rf"31[.,]6|31{SPACE}600|316亿"), BELSER),
        (figure(rf"5(?:[,.]|{SPACE})?808"), STATE),
        (figure(rf"3(?:[,.]|{SPACE})?160"), STATE),
        (figure("800"), STATE),
    ],
    "europe": [
        (figure(rf"140(?:[,.]|{SPACE})000|14万"), UNODC_2010),
        (figure(rf"70(?:[,.]|{SPACE})000|7万"), UNODC_2010),
        (figure("84"), UNODC_2010),
        (figure(r"2[.,]5|2500|25亿"), UNODC_2010),
        (figure("32"), UNODC_2010),
        (figure("79"), UNODC_2010),
    ],
    "eu-action": [
        (figure("2011/36"), ARTICLE),
        (figure("2004/81"), ARTICLE),
        (figure("2011"), ARTICLE),
    ],
    "unodc": [
        (figure("1997"), ARTICLE),
        (figure("2000"), ARTICLE),
        (figure("147"), ARTICLE),
        (figure("2009"), ARTICLE),
    ],
    "get-help": [],
}


def _every_article():
    for slug in STARTER_SLUGS:
        for language in STARTER_LANGUAGES:
            yield pytest.param(slug, language, id=f"{slug}-{language}")


def _every_country_page():
    for code, languages in STARTER_COUNTRIES.items():
        for language in languages:
            yield pytest.param(code, language, id=f"{code}-{language}")


EVERY_ARTICLE = list(_every_article())
EVERY_COUNTRY_PAGE = list(_every_country_page())


@pytest.mark.parametrize(("slug", "language"), EVERY_ARTICLE)
def test_it_cites_a_source_for_every_figure_on_the_information_pages(slug, language):
    assert uncited_figures(article_html(slug, language)) == []


@pytest.mark.parametrize(("code", "language"), EVERY_COUNTRY_PAGE)
def test_it_cites_a_source_for_every_figure_on_the_country_pages(code, language):
    assert uncited_figures(country_html(code, language)) == []


@pytest.mark.parametrize(("slug", "language"), EVERY_ARTICLE)
def test_it_cites_the_study_each_figure_comes_from(slug, language):
    notes, units = citing_units(article_html(slug, language))
    for pattern, title in EXPECTED_SOURCES[slug]:
        found = False
        for element, cited in units:
            text = plain_text(notes, element)
            if pattern.search(text):
                found = True
                sources = [plain_text(notes, note) for note in cited]
                assert any(title in source for source in sources), (text, sources)
        assert found, f"{pattern.pattern} is no longer on {slug} ({language})"


def test_it_notices_a_figure_without_its_source():
    body = PageTranslation.objects.get(page__slug="human-trafficking", language="en").body
    # The convictions line loses its citation; the note stays for the others.
    uncited = body.replace("one person was convicted.[^state-2007]", "one person was convicted.")
    assert uncited != body
    problems = uncited_figures(str(render_markdown(uncited)))
    assert len(problems) == 1
    assert "5,808 prosecutions" in problems[0]


def test_it_notices_a_source_without_a_year():
    body = "Over 140,000 victims.[^x]\n\n[^x]: A report somebody wrote.\n"
    (problem,) = uncited_figures(str(render_markdown(body)))
    assert problem.startswith("a source without a year: 'A report somebody wrote.")


def test_it_keeps_figures_out_of_titles_summaries_and_headlines():
    # They are shown where a footnote cannot follow them (menus, lists, <title>).
    for translation in PageTranslation.objects.all():
        for text in (translation.published_title, translation.published_summary):
            assert not states_a_figure(text), text
    for translation in CountryTranslation.objects.all():
        assert not states_a_figure(translation.published_headline)
