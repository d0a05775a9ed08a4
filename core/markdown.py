"""Markdown for campaign content, rendered and then sanitised.

markdown-it-py parses CommonMark with raw HTML turned off (what an editor types
as HTML is shown as text); nh3 then removes anything a parser bug or plugin
might let through, so no script, event handler, image or javascript: link
survives.

What editors write, and what it becomes:
- `#` headings start at `<h2>`: the page template owns the `<h1>`; deeper
  levels stop at `<h4>`.
- Footnotes (`figure[^1]` … `[^1]: source, year`) are how figures cite their
  sources: they end the text as a "Sources" section.
- A ```` ```chart ```` block becomes a bar chart with its data table
  (`core.charts`). Its markup is trusted (our own template, which escapes the
  labels; the caption is Markdown, so it may cite a source, and is sanitised
  like the rest), so it is put in after sanitising, in place of a placeholder
  no editor can guess, and nh3 never rewrites it.
- An image is shown as its description: an image from elsewhere would tell a
  third party who reads the page.

`markdown_problems(text)` says what an editor should fix (a chart that cannot
be drawn, a citation without its source); the editing forms call it.
"""

import re
import secrets

import nh3
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from core.charts import describe, parse_chart, render_chart, render_problems

# The page's own <h1> comes first; an editor's "#" is the next level down.
HEADING_SHIFT = 1
DEEPEST_HEADING = 4
# A doc_id goes into HTML ids and links to them.
_DOC_ID = re.compile(r"^[a-z][a-z0-9-]*$")
# A footnote reference the plugin did not match: no definition has its label.
_UNMATCHED_REFERENCE = re.compile(r"\[\^([^\]\s]+)\]")


def _is_chart(token) -> bool:
    return token.type == "fence" and token.info.strip().lower() == "chart"


def _shift_headings(state: StateCore) -> None:
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(int(token.tag[1]) + HEADING_SHIFT, DEEPEST_HEADING)
            token.tag = f"h{level}"


def _read_charts(state: StateCore) -> None:
    # Before the "inline" rule: each chart's caption becomes an inline token just
    # after its fence, so that a citation in it is numbered in document order.
    tokens = []
    for token in state.tokens:
        tokens.append(token)
        if _is_chart(token):
            chart, _problems = parse_chart(token.content)
            token.meta["chart"] = chart
            if chart is not None:
                caption = Token("inline", "", 0)
                caption.content, caption.map, caption.children = chart.caption, token.map, []
                caption.meta["caption_of_chart"] = True
                token.meta["caption"] = caption
                tokens.append(caption)
    state.tokens = tokens


def _take_captions(state: StateCore) -> None:
    # After "inline" (and before footnotes are gathered): each caption, parsed
    # now, is drawn by its chart, not as a paragraph of its own.
    state.tokens = [token for token in state.tokens if not token.meta.get("caption_of_chart")]


def _render_fence(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    if not _is_chart(token):
        return self.fence(tokens, idx, options, env)
    charts = env["charts"]
    number = len(charts) + 1
    chart = token.meta["chart"]
    if chart is None:
        charts.append(render_problems(parse_chart(token.content)[1], number))
    else:
        caption = self.renderInline(token.meta["caption"].children, options, env)
        # Sanitised as the rest of the text is, before the template takes it as safe.
        caption = mark_safe(_cleaner.clean(caption))  # noqa: S308
        charts.append(
            render_chart(chart, caption=caption, chart_number=number, id_prefix=env["id_prefix"])
        )
    # A paragraph of its own, so that nh3 leaves it exactly as written.
    return f"<p>{env['chart_slot']}-{number}</p>\n"


def _render_image(self, tokens, idx, options, env) -> str:
    return escapeHtml(self.renderInlineAsText(tokens[idx].children, options, env))


def _render_caption(self, tokens, idx, options, env) -> str:
    # "[1]" at every citation of source 1; the plugin's "[1:1]" for a second
    # citation reads as a different source.
    return f"[{tokens[idx].meta['id'] + 1}]"


def _render_sources_open(self, tokens, idx, options, env) -> str:
    heading_id = f"{env['id_prefix']}sources"
    # Outside the f-string: xgettext does not look inside one.
    heading = escapeHtml(_("Sources"))
    return (
        f'<section class="footnotes" aria-labelledby="{heading_id}">\n'
        f'<h2 id="{heading_id}">{heading}</h2>\n'
        '<ol class="footnotes-list">\n'
    )


def _render_back_link(self, tokens, idx, options, env) -> str:
    meta = tokens[idx].meta
    ident = self.rules["footnote_anchor_name"](tokens, idx, options, env)
    number = meta["id"] + 1
    if meta["subId"] > 0:
        ident += f":{meta['subId']}"
        label = _("Back to citation %(number)s (use %(use)s)") % {
            "number": number,
            "use": meta["subId"] + 1,
        }
    else:
        label = _("Back to citation %(number)s") % {"number": number}
    # U+FE0E keeps iOS from drawing the arrow as an emoji.
    return (
        f' <a href="#fnref{ident}" class="footnote-backref"'
        f' aria-label="{escapeHtml(label)}">\u21a9\ufe0e</a>'
    )


_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_parser.enable("table").use(footnote_plugin)
_parser.core.ruler.before("inline", "read_charts", _read_charts)
_parser.core.ruler.after("inline", "take_captions", _take_captions)
# Last, after footnote definitions have been moved to the end with their headings.
_parser.core.ruler.push("shift_headings", _shift_headings)
_parser.add_render_rule("fence", _render_fence)
_parser.add_render_rule("image", _render_image)
_parser.add_render_rule("footnote_caption", _render_caption)
_parser.add_render_rule("footnote_block_open", _render_sources_open)
_parser.add_render_rule("footnote_anchor", _render_back_link)

_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "li", "ol",
    "p", "pre", "section", "strong", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
_cleaner = nh3.Cleaner(
    tags=_TAGS,
    attributes={
        "a": {"href", "id", "class", "aria-label"},
        "h2": {"id"},
        "li": {"id", "class"},
        "sup": {"class"},
        "section": {"class", "aria-labelledby"},
        "ol": {"class", "start"},
        "th": {"scope"},
    },
    # Links within the site ("/countries/pt/") stay relative; any other scheme goes.
    url_schemes={"http", "https", "mailto", "tel"},
    link_rel="noopener noreferrer",
)


def render_markdown(text: str, doc_id: str | None = None) -> SafeString:
    """`text` as safe HTML. Give each Markdown field shown on the same page its
    own `doc_id` (a slug such as "body"): footnote and chart ids carry it, so
    two fields never share an id."""
    env: dict = {"charts": [], "chart_slot": f"chart-{secrets.token_hex(16)}", "id_prefix": ""}
    if doc_id is not None:
        if not _DOC_ID.match(doc_id):
            raise ValueError(f"doc_id must be a slug, not {doc_id!r}")
        # The footnote plugin's own setting: its ids become "fn-body-1".
        env["docId"] = doc_id
        env["id_prefix"] = f"{doc_id}-"
    html = _cleaner.clean(_parser.render(text or "", env))
    for number, chart in enumerate(env["charts"], start=1):
        html = html.replace(f"<p>{env['chart_slot']}-{number}</p>", chart, 1)
    # Safe by construction: nh3 has just removed everything outside the lists
    # above, and the charts come from a template that escapes what editors wrote.
    return mark_safe(html)  # noqa: S308


def markdown_problems(text: str) -> list[str]:
    """What an editor must fix before `text` shows as meant, one sentence each."""
    env: dict = {}
    tokens = _parser.parse(text or "", env)
    problems: list[str] = []
    charts = 0
    for token in tokens:
        if _is_chart(token):
            charts += 1
            problems += [describe(problem, charts) for problem in parse_chart(token.content)[1]]
    problems += _citation_problems(tokens, env)
    return problems


def _citation_problems(tokens, env: dict) -> list[str]:
    problems = []
    for token in tokens:
        if token.type == "inline":
            inline = token
        elif token.meta.get("caption"):
            inline = token.meta["caption"]
        else:
            continue
        # Joined: in a chart's caption, text pieces are not merged into one.
        text = "".join(child.content for child in inline.children if child.type == "text")
        problems += [
            _("“[^%(label)s]” cites a source that is never given (“[^%(label)s]: …”).")
            % {"label": label}
            for label in _UNMATCHED_REFERENCE.findall(text)
        ]
    # The plugin notes each definition in env["footnotes"]["refs"] as ":label",
    # with -1 until the text cites it; tests/test_markdown.py fails if that changes.
    refs = env.get("footnotes", {}).get("refs", {})
    problems += [
        _("The source “[^%(label)s]” is never cited in the text.") % {"label": key[1:]}
        for key, used in refs.items()
        if used == -1
    ]
    return problems
