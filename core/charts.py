"""Bar charts that content editors write as a fenced block in Markdown.

    ```chart
    caption: Where the victims trafficked to Europe come from
    unit: %
    Balkans | 32
    Countries of the former Soviet Union | 19
    ```

`caption:` comes first and is required, `unit:` is optional; then one
`label | number` row per line (a number of zero or more, decimals with a point).
Blank lines are ignored. The caption is a line of Markdown, so it can cite the
chart's source as any figure does (`caption: Where victims come from[^1]`);
labels and units are plain text.

A chart is drawn on the server as an SVG of horizontal bars, each labelled in
text with its label and value, so it reads without colour and without script,
beside a data table holding exactly the same rows. The SVG is hidden from
assistive technology (`aria-hidden`): the table already says everything, and a
screen reader would otherwise read every figure twice.

A chart that cannot be read is never an exception: `parse_chart` says what is
wrong, line by line (the editing forms show it through
`core.markdown.markdown_problems`), and the page shows a short notice in its
place.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import formats
from django.utils.formats import number_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

# The SVG's own coordinate system; it scales to the width it is given.
VIEW_WIDTH = 320
# The longest bar; the rest of the width is left for the value after it.
BAR_SPACE = 230
ROW_HEIGHT = 44
BAR_HEIGHT = 16
FONT_SIZE = 14

_SETTING = re.compile(r"^(caption|unit)\s*:(.*)$", re.IGNORECASE)
# Digits with an optional decimal point and sign: a sign is read only to say
# "negative" rather than "not a number"; "1,5" and "1 000" are refused, not guessed.
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


@dataclass(frozen=True)
class Row:
    label: str
    value: Decimal


@dataclass(frozen=True)
class Chart:
    caption: str
    unit: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Problem:
    """What is wrong with a chart; `line` counts from the first line inside the
    fence, None when the problem is the chart as a whole."""

    line: int | None
    message: str


def parse_chart(source: str) -> tuple[Chart | None, list[Problem]]:
    """The chart written in `source` (a fenced block's content), or None and
    what is wrong with it."""
    caption = unit = None
    rows: list[Row] = []
    problems: list[Problem] = []
    for number, raw in enumerate(source.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        setting = _SETTING.match(line)
        if setting:
            name, value = setting.group(1).lower(), setting.group(2).strip()
            if rows:
                problems.append(
                    Problem(number, _("“%(name)s:” must come before the rows.") % {"name": name})
                )
            elif (caption if name == "caption" else unit) is not None:
                problems.append(Problem(number, _("“%(name)s:” is given twice.") % {"name": name}))
            elif name == "caption":
                caption = value
            else:
                unit = value
            continue
        if "|" not in line:
            problems.append(
                Problem(number, _("“%(line)s” is not a row “label | number”.") % {"line": line})
            )
            continue
        # The number is after the last bar, so a label may itself contain one.
        label, written = (part.strip() for part in line.rsplit("|", 1))
        if not label:
            problems.append(Problem(number, _("The row has no label.")))
        value = _number(written)
        if value is None:
            problems.append(Problem(number, _("“%(value)s” is not a number.") % {"value": written}))
        elif value < 0:
            problems.append(
                Problem(
                    number,
                    _("“%(value)s” is negative; a chart shows amounts of zero or more.")
                    % {"value": written},
                )
            )
        elif label:
            rows.append(Row(label, value))
    if not caption:
        problems.append(Problem(None, _("It has no caption: start it with “caption: …”.")))
    if not rows and not problems:
        problems.append(Problem(None, _("It has no rows “label | number”.")))
    if problems:
        return None, problems
    return Chart(caption, unit or "", tuple(rows)), []


def _number(written: str) -> Decimal | None:
    # Decimal() alone would also take "NaN", "Infinity" and "1e3".
    if not _NUMBER.match(written):
        return None
    return Decimal(written)


def describe(problem: Problem, chart_number: int) -> str:
    """The problem as an editor reads it: which chart, which line, what."""
    if problem.line is None:
        return _("Chart %(chart)s: %(problem)s") % {
            "chart": chart_number,
            "problem": problem.message,
        }
    return _("Chart %(chart)s, line %(line)s: %(problem)s") % {
        "chart": chart_number,
        "line": problem.line,
        "problem": problem.message,
    }


def render_problems(problems: list[Problem], chart_number: int) -> SafeString:
    """A visible notice, in place of a chart that cannot be drawn."""
    return render_to_string(
        "core/chart_problem.html",
        {"problems": [describe(problem, chart_number) for problem in problems]},
    )


def render_chart(
    chart: Chart, *, caption: SafeString, chart_number: int, id_prefix: str = ""
) -> SafeString:
    """The chart's figure: SVG bars and the data table. `caption` is the
    caption as safe HTML (it may cite a source); labels are escaped here."""
    largest = max(row.value for row in chart.rows)
    # Bars grow from where the labels' script starts a line: the right in Arabic
    # (or any right-to-left script), the left otherwise. Decided by what the
    # editor wrote, not by the page: an English chart on an Arabic page (a page
    # not yet translated) keeps its own direction, as its article does.
    rtl = _starts_right_to_left(" ".join(row.label for row in chart.rows))
    bars = []
    for index, row in enumerate(chart.rows):
        top = index * ROW_HEIGHT
        # Scaled to the largest value; all zeros draw no bars at all.
        width = float(row.value / largest * BAR_SPACE) if largest else 0.0
        bars.append(
            {
                "label": row.label,
                "shown": _with_unit(row.value, chart.unit),
                # Coordinates as plain strings: a localised "12,5" would break the SVG.
                "label_x": _coordinate(VIEW_WIDTH if rtl else 0),
                "label_y": _coordinate(top + FONT_SIZE + 2),
                "bar_x": _coordinate(VIEW_WIDTH - width if rtl else 0),
                "bar_y": _coordinate(top + FONT_SIZE + 8),
                "width": _coordinate(width),
                "value_x": _coordinate(VIEW_WIDTH - width - 6 if rtl else width + 6),
                "value_y": _coordinate(top + FONT_SIZE + 8 + BAR_HEIGHT - 3),
            }
        )
    return render_to_string(
        "core/chart.html",
        {
            "caption": caption,
            "caption_id": f"{id_prefix}chart-{chart_number}",
            "bars": bars,
            # Strings, not numbers: the template would localise 1320 as "1.320".
            "view_box": f"0 0 {VIEW_WIDTH} {len(bars) * ROW_HEIGHT}",
            "bar_height": str(BAR_HEIGHT),
            "font_size": str(FONT_SIZE),
            "direction": "rtl" if rtl else "ltr",
        },
    )


def _starts_right_to_left(text: str) -> bool:
    """Whether the text's first strong character is right to left (the rule the
    Unicode bidirectional algorithm uses for a paragraph's direction)."""
    for character in text:
        kind = unicodedata.bidirectional(character)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def _coordinate(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _with_unit(value: Decimal, unit: str) -> str:
    # Shown in the reader's language ("2,5" in Portuguese); a percent sign sits
    # against its number, any other unit after a no-break space.
    shown = number_format(value)
    if not unit:
        return shown
    return f"{shown}{unit}" if unit == "%" else f"{shown}\u00a0{unit}"


# A series over time (the staff dashboard): one value a day, drawn as bars or as
# a line in the SVG's own coordinates, with text on the axes (the largest value,
# zero, the first and last day, the last value) so that it reads without colour.
SERIES_WIDTH = 640
SERIES_HEIGHT = 200
SERIES_LEFT = 64  # room for the largest value, written out
SERIES_TOP = 16
SERIES_BOTTOM = 40  # room for the first and last day


def render_series(
    points: list[tuple[date, int]],
    *,
    kind: str,
    caption: str,
    chart_id: str,
    value_heading: str,
) -> SafeString:
    """A figure of one value a day: SVG bars (kind "bars") or a line ("line"),
    and a table of the same days and values (in a <details>: a range holds up
    to 732 rows). The SVG is hidden from assistive technology, as render_chart's."""
    if kind not in ("bars", "line"):
        raise ValueError(f"unknown kind {kind!r}")
    largest = max((value for _day, value in points), default=0)
    plot_width = SERIES_WIDTH - SERIES_LEFT - 8
    plot_height = SERIES_HEIGHT - SERIES_TOP - SERIES_BOTTOM
    base = SERIES_TOP + plot_height
    step = plot_width / max(len(points), 1)

    def y(value: int) -> float:
        # All zeros draw on the axis rather than dividing by zero.
        return base - (value / largest * plot_height if largest else 0)

    bars, line = [], []
    for index, (_day, value) in enumerate(points):
        left = SERIES_LEFT + index * step
        if kind == "bars":
            # A gap between bars while they are wide enough to show one.
            gap = step * 0.2 if step >= 4 else 0
            bars.append(
                {
                    "x": _coordinate(left + gap / 2),
                    "y": _coordinate(y(value)),
                    "width": _coordinate(max(step - gap, 0.5)),
                    "height": _coordinate(base - y(value)),
                }
            )
        else:
            line.append(f"{_coordinate(left + step / 2)},{_coordinate(y(value))}")
    rows = [
        {"day": formats.date_format(day, "DATE_FORMAT"), "iso": day.isoformat(), "value": value}
        for day, value in points
    ]
    return render_to_string(
        "core/series_chart.html",
        {
            "caption": caption,
            "caption_id": chart_id,
            "kind": kind,
            "bars": bars,
            "points": " ".join(line),
            "days": rows,
            "value_heading": value_heading,
            "view_box": f"0 0 {SERIES_WIDTH} {SERIES_HEIGHT}",
            "font_size": str(FONT_SIZE),
            "largest": number_format(largest, force_grouping=True),
            "last": number_format(points[-1][1], force_grouping=True) if points else "",
            "first_day": rows[0]["day"] if rows else "",
            "last_day": rows[-1]["day"] if rows else "",
            "axis": {
                "left": _coordinate(SERIES_LEFT),
                "right": _coordinate(SERIES_WIDTH - 8),
                "top": _coordinate(SERIES_TOP),
                "base": _coordinate(base),
                "label_x": _coordinate(SERIES_LEFT - 6),
                "top_label_y": _coordinate(SERIES_TOP + FONT_SIZE / 2),
                "base_label_y": _coordinate(base + FONT_SIZE / 3),
                "days_y": _coordinate(base + FONT_SIZE + 8),
            },
        },
    )
