"""Campaign Markdown: what editors write comes out harmless, figures carry their
sources, and a ```chart block becomes bars with a data table of the same rows."""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import translation

from core import markdown
from core.charts import BAR_SPACE, VIEW_WIDTH
from core.markdown import markdown_problems, render_markdown
from tests.test_accessibility import AUDIT

EUROPE = """```chart
caption: Where the victims trafficked to Europe come from
unit: %
Balkans | 32
Countries of the former Soviet Union | 19
South America | 13
Central Europe | 7.5
```"""
EUROPE_ROWS = [
    ("Balkans", 32),
    ("Countries of the former Soviet Union", 19),
    ("South America", 13),
    ("Central Europe", 7.5),
]


class Element:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children, self.parts = [], []

    @property
    def text(self) -> str:
        return "".join(part if isinstance(part, str) else part.text for part in self.parts).strip()

    def find_all(self, tag) -> list["Element"]:
        found = []
        for child in self.children:
            if child.tag == tag:
                found.append(child)
            found += child.find_all(tag)
        return found

    def walk(self):
        for child in self.children:
            yield child
            yield from child.walk()


VOID = {"br", "hr", "img", "input", "meta", "link", "source", "wbr", "col", "area", "embed"}


class Tree(HTMLParser):
    """The HTML as the browser's tokenizer sees it: elements, attributes, text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Element("#root", [], None)
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        element = Element(tag, attrs, self.current)
        self.current.children.append(element)
        self.current.parts.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        element = Element(tag, attrs, self.current)
        self.current.children.append(element)
        self.current.parts.append(element)

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.parts.append(data)


def parse(html) -> Element:
    return Tree(str(html)).root


SAFE_SCHEMES = {"http", "https", "mailto", "tel"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "srcset", "poster", "data"}
ACTIVE_TAGS = {
    "script",
    "iframe",
    "img",
    "object",
    "embed",
    "form",
    "style",
    "link",
    "meta",
    "base",
}


def assert_harmless(html):
    for element in parse(html).walk():
        assert element.tag not in ACTIVE_TAGS, html
        for name, value in element.attrs.items():
            assert not name.startswith("on"), html
            assert name != "style", html
            assert "javascript" not in (value or "").lower(), html
            if name in URL_ATTRIBUTES:
                link = (value or "").strip()
                assert link.startswith("#") or urlsplit(link).scheme in SAFE_SCHEMES, html


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "Hello <script>alert(1)</script> world",
        "<img src=x onerror=alert(1)>",
        '<a href="https://example.org" onclick="alert(1)">x</a>',
        "<p onmouseover=alert(1)>x</p>",
        '<iframe src="https://evil.example/"></iframe>',
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](  javascript:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](&#x6A;avascript&#58;alert(1))",
        "[x](<javascript:alert(1)>)",
        "<javascript:alert(1)>",
        "[x](vbscript:msgbox(1))",
        "[x](ftp://example.org/) [y](ssh://example.org/)",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        # markdown-it lets data: images through as links: only nh3 stops this one.
        "[x](data:image/png;base64,iVBORw0KGgo=)",
        "[x]\n\n[x]: javascript:alert(1)",
        "![x](https://tracker.example/pixel.png)",
        "![x](javascript:alert(1))",
        "Figure[^1]\n\n[^1]: <script>alert(1)</script> [y](javascript:alert(1))",
        "```\n<script>alert(1)</script>\n```",
        "| a | b |\n| - | - |\n| <script>x</script> | [c](javascript:alert(1)) |",
        "```chart\ncaption: <script>alert(1)</script> [x](javascript:alert(1))\nA | 1\n```",
        "```chart\ncaption: [x](data:image/png;base64,AA==) ![y](https://t.example/p)\nA | 1\n```",
    ],
)
def test_it_renders_hostile_markdown_harmless(text):
    assert_harmless(render_markdown(text))
    assert_harmless(render_markdown(text, doc_id="body"))


def test_it_shows_what_an_editor_typed_as_html_as_text():
    html = render_markdown("Hello <script>alert(1)</script>")
    assert parse(html).find_all("p")[0].text == "Hello <script>alert(1)</script>"


def test_it_never_shows_an_image_but_keeps_its_description():
    # An image from elsewhere would tell its owner who reads the page.
    html = render_markdown("See ![Map of the routes to Europe](https://example.org/map.png)")
    assert not parse(html).find_all("img")
    assert "See Map of the routes to Europe" in parse(html).find_all("p")[0].text


def test_it_keeps_safe_links_and_links_within_the_site():
    html = render_markdown(
        "[UNODC](https://www.unodc.org/) [Portugal](/countries/pt/) "
        "[write](mailto:info@example.org) [call](tel:112)"
    )
    hrefs = [a.attrs["href"] for a in parse(html).find_all("a")]
    assert hrefs == [
        "https://www.unodc.org/",
        "/countries/pt/",
        "mailto:info@example.org",
        "tel:112",
    ]
    assert all(a.attrs["rel"] == "noopener noreferrer" for a in parse(html).find_all("a"))


# Charts


def figure_of(html) -> Element:
    (figure,) = parse(html).find_all("figure")
    return figure


def test_it_draws_a_chart_whose_table_holds_exactly_the_rows_written():
    figure = figure_of(render_markdown(EUROPE))
    assert figure.attrs["class"] == "chart"
    assert (
        figure.find_all("figcaption")[0].text == "Where the victims trafficked to Europe come from"
    )
    (table,) = figure.find_all("table")
    rows = [
        (row.find_all("th")[0].text, row.find_all("td")[0].text)
        for row in table.find_all("tbody")[0].find_all("tr")
    ]
    assert rows == [(label, f"{value}%") for label, value in EUROPE_ROWS]


def test_it_scales_the_bars_to_the_largest_value():
    bars = figure_of(render_markdown(EUROPE)).find_all("rect")
    widths = [float(bar.attrs["width"]) for bar in bars]
    assert widths[0] == BAR_SPACE
    for width, (_, value) in zip(widths, EUROPE_ROWS, strict=True):
        assert width == pytest.approx(BAR_SPACE * value / 32, abs=0.01)


def test_it_writes_each_bars_label_and_value_beside_it():
    # Readable without telling colours apart: every bar says what it is.
    (svg,) = figure_of(render_markdown(EUROPE)).find_all("svg")
    texts = [text.text for text in svg.find_all("text")]
    assert texts == [part for label, value in EUROPE_ROWS for part in (label, f"{value}%")]


def bar_geometry(source: str) -> tuple[str, list[tuple[float, float]], list[float]]:
    """The drawing's direction, each bar's (start, end) and each label's x."""
    (svg,) = figure_of(render_markdown(source)).find_all("svg")
    bars = [
        (float(bar.attrs["x"]), float(bar.attrs["x"]) + float(bar.attrs["width"]))
        for bar in svg.find_all("rect")
    ]
    labels = [float(text.attrs["x"]) for text in svg.find_all("text")[::2]]
    return svg.attrs["direction"], bars, labels


def test_it_grows_the_bars_from_the_left_for_a_left_to_right_script():
    direction, bars, labels = bar_geometry(EUROPE)
    assert direction == "ltr"
    assert {start for start, _end in bars} == {0}
    assert set(labels) == {0}


def test_it_grows_the_bars_from_the_right_for_arabic():
    arabic = """```chart
caption: مناطق المنشأ
unit: %
البلقان | 32
أمريكا الجنوبية (South America) | 13
```"""
    direction, bars, labels = bar_geometry(arabic)
    assert direction == "rtl"
    # Each bar ends at the right edge, and its label starts a line there.
    assert {end for _start, end in bars} == {VIEW_WIDTH}
    assert bars[0][0] == VIEW_WIDTH - BAR_SPACE
    assert set(labels) == {VIEW_WIDTH}


def test_it_gives_the_table_headers_and_a_name_and_hides_the_duplicate_drawing():
    figure = figure_of(render_markdown(EUROPE, doc_id="body"))
    (svg,) = figure.find_all("svg")
    (table,) = figure.find_all("table")
    (caption,) = figure.find_all("figcaption")
    assert svg.attrs["aria-hidden"] == "true"
    assert table.attrs["aria-labelledby"] == caption.attrs["id"] == "body-chart-1"
    assert [th.attrs["scope"] for th in table.find_all("thead")[0].find_all("th")] == [
        "col",
        "col",
    ]
    assert {th.attrs["scope"] for th in table.find_all("tbody")[0].find_all("th")} == {"row"}


def test_it_draws_with_attributes_only_as_the_content_security_policy_requires():
    for element in figure_of(render_markdown(EUROPE)).walk():
        assert "style" not in element.attrs


def test_it_escapes_what_editors_write_in_a_chart():
    hostile = (
        "```chart\n"
        'caption: <script>alert("c")</script> "quoted" & \'single\'\n'
        "unit: <b>%</b>\n"
        "<script>alert(1)</script> | 3\n"
        '"><img src=x onerror=alert(1)> | 4\n'
        "```"
    )
    html = render_markdown(hostile)
    assert_harmless(html)
    figure = figure_of(html)
    assert figure.find_all("figcaption")[0].text == (
        '<script>alert("c")</script> "quoted" & \'single\''
    )
    assert [th.text for th in figure.find_all("tbody")[0].find_all("th")] == [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
    ]
    assert figure.find_all("td")[0].text == "3\u00a0<b>%</b>"


def test_it_shows_numbers_in_the_readers_language_but_draws_with_plain_ones():
    with translation.override("pt"):
        figure = figure_of(render_markdown(EUROPE))
    assert figure.find_all("td")[3].text == "7,5%"
    (svg,) = figure.find_all("svg")
    assert re.fullmatch(r"0 0 \d+ \d+", svg.attrs["viewbox"])
    for element in svg.find_all("rect") + svg.find_all("text"):
        for name in ("x", "y", "width", "height"):
            if name in element.attrs:
                assert re.fullmatch(r"\d+(\.\d+)?", element.attrs[name]), element.attrs


def test_it_writes_other_units_after_a_space_and_allows_none():
    with_unit = "```chart\ncaption: Profits\nunit: billion US dollars\nEurope | 3\n```"
    without = "```chart\ncaption: Victims\nEurope | 140000\n```"
    assert figure_of(render_markdown(with_unit)).find_all("td")[0].text == (
        "3\u00a0billion US dollars"
    )
    assert figure_of(render_markdown(without)).find_all("td")[0].text == "140000"


def test_it_reads_the_number_after_the_last_bar():
    html = render_markdown("```chart\ncaption: C\nSex | labour | 12\n```")
    assert figure_of(html).find_all("tbody")[0].find_all("th")[0].text == "Sex | labour"


def test_it_draws_no_bars_when_every_value_is_zero():
    html = render_markdown("```chart\ncaption: C\nA | 0\nB | 0\n```")
    assert [rect.attrs["width"] for rect in figure_of(html).find_all("rect")] == ["0", "0"]


def test_it_puts_each_chart_where_it_was_written():
    html = str(render_markdown(f"Before.\n\n{EUROPE}\n\n> Quoted.\n>\n{_quoted(EUROPE)}\n\nAfter."))
    assert html.index("Before.") < html.index("<figure") < html.index("Quoted.")
    assert html.index("Quoted.") < html.rindex("<figure") < html.index("After.")
    assert len(parse(html).find_all("blockquote")[0].find_all("figure")) == 1


def _quoted(text):
    return "\n".join(f"> {line}" for line in text.splitlines())


def test_it_picks_a_new_placeholder_for_every_render(monkeypatch):
    # An editor cannot type the placeholder of a render that has not happened yet.
    picked = []
    real = markdown.secrets.token_hex

    def spy(size):
        picked.append(real(size))
        return picked[-1]

    monkeypatch.setattr(markdown.secrets, "token_hex", spy)
    first, second = render_markdown(EUROPE), render_markdown(EUROPE)
    assert first == second
    assert len(set(picked)) == 2
    assert all(slot not in first for slot in picked)


def test_it_leaves_other_code_blocks_as_code():
    html = render_markdown("```python\nprint(1)\n```")
    assert parse(html).find_all("code")[0].text == "print(1)"


# Charts that cannot be drawn


@pytest.mark.parametrize(
    "lines, problem",
    [
        (["Balkans | 32"], "Chart 1: It has no caption: start it with “caption: …”."),
        (["caption:", "Balkans | 32"], "Chart 1: It has no caption: start it with “caption: …”."),
        (
            ["caption: C", "Balkans 32"],
            "Chart 1, line 2: “Balkans 32” is not a row “label | number”.",
        ),
        (
            ["caption: C", "unit: %", "Balkans | 32", "Europe | 3x"],
            "Chart 1, line 4: “3x” is not a number.",
        ),
        (["caption: C", "Europe | 1,5"], "Chart 1, line 2: “1,5” is not a number."),
        (["caption: C", "Europe | NaN"], "Chart 1, line 2: “NaN” is not a number."),
        (["caption: C", "Europe | Infinity"], "Chart 1, line 2: “Infinity” is not a number."),
        (["caption: C", "Europe | 1e3"], "Chart 1, line 2: “1e3” is not a number."),
        (["caption: C", "Europe |"], "Chart 1, line 2: “” is not a number."),
        (
            ["caption: C", "Europe | -3"],
            "Chart 1, line 2: “-3” is negative; a chart shows amounts of zero or more.",
        ),
        (["caption: C", " | 3"], "Chart 1, line 2: The row has no label."),
        (["caption: C"], "Chart 1: It has no rows “label | number”."),
        (["caption: C", "A | 1", "unit: %"], "Chart 1, line 3: “unit:” must come before the rows."),
        (["caption: C", "caption: D", "A | 1"], "Chart 1, line 2: “caption:” is given twice."),
    ],
)
def test_it_tells_the_editor_what_is_wrong_and_shows_a_notice(lines, problem):
    text = "```chart\n" + "\n".join(lines) + "\n```"
    assert markdown_problems(text) == [problem]
    html = render_markdown(text)
    assert not parse(html).find_all("figure")
    (notice,) = [el for el in parse(html).walk() if el.attrs.get("class") == "chart-problem"]
    assert problem in notice.text


def test_it_numbers_charts_and_lists_every_problem():
    text = f"{EUROPE}\n\n```chart\ncaption: C\nA | x\n\nB | -1\n```"
    assert markdown_problems(text) == [
        "Chart 2, line 2: “x” is not a number.",
        "Chart 2, line 4: “-1” is negative; a chart shows amounts of zero or more.",
    ]
    html = render_markdown(text)
    assert len(parse(html).find_all("figure")) == 1


def test_it_finds_nothing_wrong_with_good_content():
    assert (
        markdown_problems(f"# Europe\n\n140,000 victims[^1].\n\n{EUROPE}\n\n[^1]: UNODC, 2010.")
        == []
    )
    assert markdown_problems("") == []


# Headings


def test_it_leaves_the_first_heading_level_to_the_page():
    html = render_markdown("# One\n\n## Two\n\n### Three\n\n#### Four\n\n###### Six\n\nSetext\n===")
    headings = [(el.tag, el.text) for el in parse(html).walk() if el.tag.startswith("h")]
    assert headings == [
        ("h2", "One"),
        ("h3", "Two"),
        ("h4", "Three"),
        ("h4", "Four"),
        ("h4", "Six"),
        ("h2", "Setext"),
    ]


# Footnotes: the sources of the figures

CITED = "140,000 victims[^1] and 3 billion dollars[^profits], again 140,000[^1].\n\n" \
    "[^1]: UNODC, *The Globalization of Crime*, 2010.\n" \
    "[^profits]: UNODC, 2010."  # fmt: skip

CITATION = re.compile(r'<sup class="footnote-ref"><a href="#([^"]+)"[^>]*>\[(\d+)\]</a></sup>')


def test_it_lists_the_sources_under_their_own_heading():
    root = parse(render_markdown(CITED))
    (section,) = root.find_all("section")
    (heading,) = section.find_all("h2")
    assert heading.text == "Sources"
    assert section.attrs["aria-labelledby"] == heading.attrs["id"]
    items = section.find_all("ol")[0].find_all("li")
    assert [item.text.replace("\u21a9\ufe0e", "").strip() for item in items] == [
        "UNODC, The Globalization of Crime, 2010.",
        "UNODC, 2010.",
    ]


def test_it_marks_every_citation_recognisably_with_its_number():
    html = str(render_markdown(CITED, doc_id="body"))
    assert CITATION.findall(html) == [("fn-body-1", "1"), ("fn-body-2", "2"), ("fn-body-1", "1")]


def test_it_links_back_from_each_source_to_each_citation_with_a_label():
    root = parse(render_markdown(CITED, doc_id="body"))
    back = [
        (a.attrs["href"], a.attrs["aria-label"])
        for a in root.walk()
        if a.tag == "a" and a.attrs.get("class") == "footnote-backref"
    ]
    assert back == [
        ("#fnref-body-1", "Back to citation 1"),
        ("#fnref-body-1:1", "Back to citation 1 (use 2)"),
        ("#fnref-body-2", "Back to citation 2"),
    ]


def test_it_keeps_ids_apart_for_several_fields_on_one_page():
    page = f"{render_markdown(CITED + '\n\n' + EUROPE, doc_id='body')}"
    page += f"{render_markdown(CITED + '\n\n' + EUROPE, doc_id='help')}"
    root = parse(page)
    ids = [el.attrs["id"] for el in root.walk() if "id" in el.attrs]
    assert len(ids) == len(set(ids)) == 2 * 7  # 3 citations, 2 sources, the heading, a chart
    for link in root.find_all("a"):
        assert link.attrs["href"][1:] in ids
    for named in (el for el in root.walk() if "aria-labelledby" in el.attrs):
        assert named.attrs["aria-labelledby"] in ids


def test_it_refuses_a_doc_id_that_is_not_a_slug():
    with pytest.raises(ValueError):
        render_markdown(CITED, doc_id='x"><script>')


def test_it_numbers_a_citation_in_a_charts_caption_in_reading_order():
    text = (
        "140,000 victims[^victims].\n\n"
        "```chart\ncaption: Where they come from[^origins]\nBalkans | 32\n```\n\n"
        "3 billion dollars[^profits].\n\n"
        "[^victims]: UNODC, victims, 2010.\n[^origins]: UNODC, origins, 2010.\n"
        "[^profits]: UNODC, profits, 2010."
    )
    html = str(render_markdown(text))
    assert [number for _, number in CITATION.findall(html)] == ["1", "2", "3"]
    assert CITATION.search(html[html.index("<figcaption") : html.index("</figcaption>")])
    sources = parse(html).find_all("section")[0].find_all("li")
    assert [item.text.split(",")[1].strip() for item in sources] == [
        "victims",
        "origins",
        "profits",
    ]
    assert markdown_problems(text) == []


def test_it_takes_a_source_given_inline():
    html = str(render_markdown("140,000 victims^[UNODC, 2010.]"))
    assert CITATION.findall(html) == [("fn1", "1")]
    assert "UNODC, 2010." in parse(html).find_all("section")[0].text


def test_it_tells_the_editor_about_a_citation_without_its_source_and_the_reverse():
    text = "140,000 victims[^1] and 3 billion[^2] and `[^code]`.\n\n[^1]: UNODC.\n[^3]: Europol."
    assert markdown_problems(text) == [
        "“[^2]” cites a source that is never given (“[^2]: …”).",
        "The source “[^3]” is never cited in the text.",
    ]
    in_a_chart = "```chart\ncaption: Origins[^4]\nA | 1\n```\n\nText[^1].\n\n[^1]: UNODC."
    assert markdown_problems(in_a_chart) == [
        "“[^4]” cites a source that is never given (“[^4]: …”)."
    ]


# In a browser


def document(body, *, direction="ltr"):
    css = (Path(__file__).parent.parent / "static/css/site.css").read_text()
    return (
        f'<!DOCTYPE html><html lang="en" dir="{direction}"><head><meta charset="utf-8">'
        f"<title>Facts</title><style>{css}</style></head>"
        f"<body><main><h1>Facts</h1>{body}</main></body></html>"
    )


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    yield context.new_page()
    context.close()


@pytest.mark.browser
def test_it_passes_the_audit_and_stacks_the_table_under_the_bars_on_a_phone(page):
    body = render_markdown(f"# Europe\n\n140,000 victims[^1].\n\n{EUROPE}\n\n[^1]: UNODC, 2010.")
    page.set_content(document(body))
    results = Axe().run(page, options=AUDIT)
    assert results.violations_count == 0, results.generate_snapshot()
    bars, table = (
        page.locator(".chart-bars").bounding_box(),
        page.locator(".chart-data").bounding_box(),
    )
    assert table["x"] >= bars["x"] + bars["width"]  # side by side
    page.set_viewport_size({"width": 375, "height": 800})
    bars, table = (
        page.locator(".chart-bars").bounding_box(),
        page.locator(".chart-data").bounding_box(),
    )
    assert table["y"] >= bars["y"] + bars["height"]  # stacked


@pytest.mark.browser
def test_it_keeps_the_bars_labels_inside_the_drawing_on_a_right_to_left_page(page):
    page.set_content(document(render_markdown(EUROPE), direction="rtl"))
    drawing = page.locator(".chart-bars").bounding_box()
    for text in page.locator(".chart-bars text").all():
        box = text.bounding_box()
        assert (
            drawing["x"] <= box["x"] and box["x"] + box["width"] <= drawing["x"] + drawing["width"]
        )


def test_it_names_the_sources_section_in_the_readers_language():
    # The heading must reach the catalogs: xgettext skips strings inside f-strings.
    with translation.override("pt"):
        html = render_markdown("Um número.[^1]\n\n[^1]: Uma fonte (2010).")
    assert ">Fontes</h2>" in html
