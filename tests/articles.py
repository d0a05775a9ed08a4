"""The starter pages' HTML as a reader gets it, and what the content tests look for in it.

`article_html` is the one place that decides where that HTML comes from: the
article element of the public page as served, in the language asked for. The
citation and chart tests read it through here.

The HTML is parsed with the standard library (nh3's output is well formed), and
footnotes are found by what they do rather than by class names: a reference is
a link to a note, a note is a list item in the section those links lead to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.test import Client

STARTER_SLUGS = ["blue-heart", "human-trafficking", "europe", "eu-action", "unodc", "get-help"]
STARTER_LANGUAGES = ["en", "fr", "es", "ru", "ar", "zh-hans", "pt"]
# Each country's page in its own languages first (0002), then the rest (0003).
STARTER_COUNTRIES = {
    "ES": ["es", "en", "fr", "ru", "ar", "zh-hans", "pt"],
    "PT": ["pt", "en", "fr", "es", "ru", "ar", "zh-hans"],
}

# The one number the starter content gives readers to call: the EU emergency
# number is an instruction, not a finding, so it needs no source.
EMERGENCY_NUMBER = re.compile(r"(?<!\d)112(?!\d)")
DIGIT = re.compile(r"\d")
YEAR = re.compile(r"(?<!\d)(?:1[89]|20)\d\d(?!\d)")


def article_html(slug: str, language: str) -> str:
    """The information page's article as the public sees it."""
    return _served_article(f"/learn/{slug}/", language)


def country_html(code: str, language: str) -> str:
    """A country launch page's article as the public sees it."""
    return _served_article(f"/countries/{code.lower()}/", language)


def _served_article(path: str, language: str) -> str:
    prefix = "" if language == "en" else f"/{language}"
    response = Client().get(prefix + path)
    assert response.status_code == 200, (path, language, response.status_code)
    html = response.content.decode()
    # The page has one article: the content; the rest is the site's own frame.
    start, end = html.index("<article"), html.index("</article>") + len("</article>")
    article = html[start:end]
    assert f'lang="{language}"' in article, "the article must be in the language asked for"
    return article


@dataclass(eq=False)
class Element:
    tag: str
    attrs: dict[str, str]
    parent: Element | None = None
    children: list[Element | str] = field(default_factory=list)

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self, skip=lambda element: False) -> str:
        parts = []
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif not skip(child):
                parts.append(child.text(skip))
        return "".join(parts)

    def siblings(self) -> tuple[Element | None, Element | None]:
        """The elements right before and right after this one."""
        elements = [c for c in self.parent.children if isinstance(c, Element)]
        at = elements.index(self)
        before = elements[at - 1] if at > 0 else None
        after = elements[at + 1] if at + 1 < len(elements) else None
        return before, after


# Elements that never have content, so never get an end tag.
_VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {name: value or "" for name, value in attrs}, self.current)
        self.current.children.append(element)
        if tag not in _VOID:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(
            Element(tag, {name: value or "" for name, value in attrs}, self.current)
        )

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


@dataclass
class Footnotes:
    """The footnote references of a rendered article and the notes they lead to."""

    root: Element
    section: Element | None  # the Sources section, None if nothing is cited
    notes: dict[str, Element]  # note id -> its list item
    refs: dict[Element, Element]  # reference link -> its note

    def is_ref(self, element: Element) -> bool:
        return element in self.refs

    def cited_in(self, element: Element) -> list[Element]:
        """The notes cited inside element."""
        return [self.refs[e] for e in element.iter() if e in self.refs]

    def outside_sources(self, element: Element) -> bool:
        return self.section is None or (
            element is not self.section and self.section not in element.ancestors()
        )


def footnotes(root: Element) -> Footnotes:
    by_id = {e.attrs["id"]: e for e in root.iter() if e.attrs.get("id")}
    targets = {}
    for link in root.iter():
        href = link.attrs.get("href", "") if link.tag == "a" else ""
        target = by_id.get(href[1:]) if href.startswith("#") else None
        if target is not None and target.tag == "li":
            targets[link] = target
    sections = {
        next((a for a in note.ancestors() if a.tag == "section"), None) for note in targets.values()
    }
    assert len(sections) <= 1 and None not in sections, "notes outside one Sources section"
    section = sections.pop() if sections else None
    # Links inside the section are the notes' links back to the text, not citations.
    refs = {
        link: note
        for link, note in targets.items()
        if section is None or section not in link.ancestors()
    }
    notes = {note.attrs["id"]: note for note in refs.values()}
    return Footnotes(root, section, notes, refs)


# Blocks of text that must carry their own citation when they state a figure.
_TEXT_BLOCKS = {"p", "li", "blockquote", "dd", "dt", "h1", "h2", "h3", "h4", "h5", "h6"}
# Blocks whose citation may sit in the paragraph right before or after them: a
# footnote reference cannot go inside a chart's data (nor a code block).
_DATA_BLOCKS = {"figure", "table", "pre"}


def citing_units(html: str) -> tuple[Footnotes, list[tuple[Element, list[Element]]]]:
    """Every block outside the Sources section with the notes that cite it."""
    root = parse(html)
    notes = footnotes(root)
    units = []
    for element in root.iter():
        if not notes.outside_sources(element):
            continue
        inside_data = any(a.tag in _DATA_BLOCKS or a.tag == "svg" for a in element.ancestors())
        if element.tag in _DATA_BLOCKS and not inside_data:
            cited = notes.cited_in(element)
            for neighbour in element.siblings():
                if neighbour is not None and neighbour.tag == "p":
                    cited += notes.cited_in(neighbour)
            units.append((element, cited))
        elif element.tag in _TEXT_BLOCKS and not inside_data:
            units.append((element, notes.cited_in(element)))
    return notes, units


def plain_text(notes: Footnotes, element: Element) -> str:
    """The element's words without its footnote markers ("[1]")."""
    return " ".join(element.text(skip=notes.is_ref).split())


def states_a_figure(text: str) -> bool:
    return bool(DIGIT.search(EMERGENCY_NUMBER.sub("", text)))


def uncited_figures(html: str) -> list[str]:
    """What is wrong with the article's citations, one line per problem."""
    notes, units = citing_units(html)
    problems = [
        f"no source for: {plain_text(notes, element)!r}"
        for element, cited in units
        if states_a_figure(plain_text(notes, element)) and not cited
    ]
    problems += [
        f"a source without a year: {plain_text(notes, note)!r}"
        for note in notes.notes.values()
        if not YEAR.search(plain_text(notes, note))
    ]
    return problems
