"""SVG to PNG, with the fonts we ship and no others.

resvg (through resvg-py) draws the SVG: it shapes text with HarfBuzz's Rust port
(Arabic joined, right to left), falls back from font to font per character, and
draws colour emoji. It reads only the files in badges/fonts/ (never the
machine's fonts, which differ from one machine to the next, and never the
network), so a badge looks the same wherever it is rendered.

Why resvg (bench/badge_render.py measures it): Pillow with raqm draws twice as
fast (about 30 against 70 ms), but only where the machine has libfribidi (Pillow's
wheels load it at run time), with no fallback from font to font (a name mixing
scripts or with an emoji would need our own splitting into runs), and apart from
the SVG we serve. cairosvg lays text out glyph by glyph: its Arabic comes out
unjoined. A badge is drawn once per content and then read from the cache
(0.3 ms), so the render time matters little.

Anything that draws an SVG (the badge, later the share images) calls svg_to_png.
"""

from collections.abc import Callable
from pathlib import Path

import resvg_py
from django.core.cache import cache

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
# The family names in the order a text falls back through them.
FONT_FAMILY = "'Noto Sans', 'Noto Sans Arabic', 'Noto Sans SC', 'Noto Color Emoji'"
# Bump when the fonts or the drawing change, so cached images are drawn anew.
RENDERER_VERSION = "resvg-py-0.5.0/fonts-2/direction-1"


def svg_to_png(svg: str, size: int, height: int | None = None) -> bytes:
    """The SVG drawn as a PNG, size pixels wide and height (else size) high."""
    png = resvg_py.svg_to_bytes(
        svg_string=svg,
        width=size,
        height=height or size,
        skip_system_fonts=True,
        font_dirs=[str(FONTS_DIR)],
    )
    return bytes(png)


# Drawn images are kept a month: their keys carry the version of what they show,
# so a changed name, country or text gets a new key rather than a stale image.
PNG_CACHE_SECONDS = 30 * 24 * 3600


def png_once(key: str, draw_svg: Callable[[], str], size: int, height: int | None = None) -> bytes:
    """The PNG kept under `key`, drawn from `draw_svg()` only when it is not kept."""
    image = cache.get(key)
    if image is None:
        image = svg_to_png(draw_svg(), size, height)
        cache.set(key, image, PNG_CACHE_SECONDS)
    return image
