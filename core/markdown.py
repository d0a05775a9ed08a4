"""Markdown for campaign content, rendered and then sanitised.

markdown-it-py parses CommonMark with raw HTML turned off (what an editor types
as HTML is shown as text); nh3 then removes anything a parser bug or plugin
might let through, so no script, event handler or javascript: link survives.
"""

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_parser.enable("table").use(footnote_plugin)

_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "li", "ol",
    "p", "pre", "section", "strong", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "id", "class"},
    "li": {"id", "class"},
    "sup": {"class"},
    "section": {"class"},
    "hr": {"class"},
    "ol": {"class", "start"},
    "th": {"scope"},
}


def render_markdown(text: str) -> SafeString:
    html = _parser.render(text or "")
    # Safe by construction: nh3 has just removed everything outside the lists above.
    return mark_safe(  # noqa: S308
        nh3.clean(
            html,
            tags=_TAGS,
            attributes=_ATTRIBUTES,
            url_schemes={"http", "https", "mailto", "tel"},
            link_rel="noopener noreferrer",
        )
    )
