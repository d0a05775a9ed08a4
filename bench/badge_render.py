"""How long a badge PNG (1080 by 1080) takes: first render, each render after,
and a cached one; and the candidates for drawing it, compared.

    scripts/bench --only badge_render [--renders 20]

The product's renderer (badges/rendering.py, resvg through resvg-py) draws the
badge's SVG for one name per script. "first" is the first render in this
process (the library's start-up included), "render" the median of the next
ones (every render reads the fonts again: resvg-py builds its font database
per call), "cached" the median of badges.png() once the PNG is in the cache
(Redis db 13, as the bench's pair).

The other candidates draw the same badge, where they can:
  pillow-raqm  Pillow's ImageDraw with the raqm layout (HarfBuzz + FriBiDi):
               one font per text, no fallback from font to font, so a name
               mixing scripts needs our own splitting into runs
  pillow-basic Pillow without raqm: no shaping at all (for the Arabic check)
  cairosvg     the same SVG through Cairo (not installed by the project:
               `pip install cairosvg` to include it); Cairo's text API lays
               out glyph by glyph, without shaping

Then the share images (1200 by 630, what Open Graph and Twitter cards show),
drawn by the same renderer: the site's, a country's (its template with a
headline, without the database lookup) and a badge's card; each "render" and
"cached" as above.

"arabic joined" compares the Arabic name drawn as is with the same letters
kept apart by zero-width non-joiners: identical pictures mean no shaping, and
so does a non-joiner drawn as a visible box (no Unicode-aware layout at all).

Ends with RESULT lines:
RESULT badge_render renderer=resvg first_ms=... render_ms=... cached_ms=...
RESULT share_render site_ms=... country_ms=... badge_card_ms=... cached_ms=...
"""

import argparse
import io
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import REDIS_URL, flush_redis, load_average, log, wait_for_redis_pair

NAMES = {
    "latin": "Zoë Ångström-Łukasz",
    "cyrillic": "Анна Каренина",
    "arabic": "محمد عبد الله",
    "chinese": "王小明",
    "emoji": "Ana 😀💙",
}
FONTS = Path(__file__).resolve().parent.parent / "badges" / "fonts"
FONT_FOR = {
    "latin": "NotoSans-Bold.ttf",
    "cyrillic": "NotoSans-Bold.ttf",
    "arabic": "NotoSansArabic-Bold.ttf",
    "chinese": "NotoSansSC-Bold.otf",
    "emoji": "NotoSans-Bold.ttf",  # no fallback: the emoji needs a font of its own
}


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return (time.perf_counter() - start) * 1000, result


def median_ms(function, *args, renders):
    return statistics.median(timed(function, *args)[0] for _ in range(renders))


def pillow_badge(name, font_file, layout):
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (1080, 1080), "#f4f8fd")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((30, 30, 1050, 1050), 60, fill="white", outline="#0b4f9c", width=12)
    draw.polygon([(540, 384), (416, 263), (540, 164), (664, 263)], fill="#0b4f9c")
    bold = ImageFont.truetype(str(FONTS / "NotoSans-Bold.ttf"), 44, layout_engine=layout)
    regular = ImageFont.truetype(str(FONTS / "NotoSans-Regular.ttf"), 34, layout_engine=layout)
    name_font = ImageFont.truetype(str(FONTS / font_file), 84, layout_engine=layout)
    for y, text, font in [
        (455, "BLUE HEART", bold),
        (520, "against human trafficking", regular),
        (660, name, name_font),
        (780, "Supporter no. 12,345", bold),
        (860, "Spain", regular),
        (930, "Pledged on November 28, 2026", regular),
    ]:
        draw.text((540, y), text, font=font, fill="#0b2545", anchor="ms", embedded_color=True)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def differs(png_a, png_b):
    from PIL import Image, ImageChops

    a, b = (Image.open(io.BytesIO(p)).convert("RGB") for p in (png_a, png_b))
    return ImageChops.difference(a, b).getbbox() is not None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--renders", type=int, default=20, help="renders per name (median)")
    args = parser.parse_args()

    os.environ["REDIS_URL"] = REDIS_URL  # the cache in db 13, as settings derive it
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.utils import translation

    from badges import badge as badges
    from badges.rendering import svg_to_png

    wait_for_redis_pair()
    flush_redis()
    translation.activate("en")
    log(f"badge_render: {args.renders} renders per name (load {load_average()})")

    def badge(name, number=12345):
        return badges.Badge(
            pledge_id=number,
            public_id=f"bench-{number}",
            name=name,
            number=number,
            country_code="ES",
            confirmed_on=date(2026, 11, 28),
            language="en",
        )

    results = {}
    first_ms, _ = timed(svg_to_png, badges.svg(badge(NAMES["latin"], 1)), badges.PNG_SIZE)
    renders, cached = [], []
    for number, (script, name) in enumerate(NAMES.items(), start=2):
        svg = badges.svg(badge(name, number))
        render = median_ms(svg_to_png, svg, badges.PNG_SIZE, renders=args.renders)
        badges.png(badge(name, number))  # into the cache
        hit = median_ms(badges.png, badge(name, number), renders=args.renders)
        renders.append(render)
        cached.append(hit)
        log(f"  resvg {script:9} render {render:6.1f} ms   cached {hit:5.2f} ms")
    arabic = badges.svg(badge(NAMES["arabic"]))
    apart = arabic.replace(NAMES["arabic"], "\u200c".join(NAMES["arabic"]))
    shares = share_images(badge, renders=args.renders)
    results["resvg"] = {
        "render": statistics.median(renders),
        "joined": differs(svg_to_png(arabic, badges.PNG_SIZE), svg_to_png(apart, badges.PNG_SIZE)),
        "emoji": "colour (CBDT), with fallback from the name's font",
    }
    flush_redis()

    from PIL import ImageFont, features

    for label, layout in [
        ("pillow-raqm", ImageFont.Layout.RAQM),
        ("pillow-basic", ImageFont.Layout.BASIC),
    ]:
        if layout == ImageFont.Layout.RAQM and not features.check("raqm"):
            log(f"  {label}: skipped, raqm not available to Pillow here")
            continue
        times = []
        for script, name in NAMES.items():
            times.append(
                median_ms(pillow_badge, name, FONT_FOR[script], layout, renders=args.renders)
            )
        joined = differs(
            pillow_badge(NAMES["arabic"], FONT_FOR["arabic"], layout),
            pillow_badge("\u200c".join(NAMES["arabic"]), FONT_FOR["arabic"], layout),
        ) and not differs(
            pillow_badge("\u200c", FONT_FOR["arabic"], layout),
            pillow_badge("", FONT_FOR["arabic"], layout),
        )
        results[label] = {
            "render": statistics.median(times),
            "joined": joined,
            "emoji": "only with a font per run chosen by our code (no fallback)",
        }
    try:
        import cairosvg
    except ImportError:
        log("  cairosvg: skipped, not installed (pip install cairosvg to compare)")
    else:

        def cairo(svg):
            return cairosvg.svg2png(bytestring=svg.encode(), output_width=1080, output_height=1080)

        svg = badges.svg(badge(NAMES["latin"]))
        results["cairosvg"] = {
            "render": median_ms(cairo, svg, renders=args.renders),
            "joined": differs(cairo(arabic), cairo(apart)),
            "emoji": "system fonts only (fontconfig), not ours",
        }

    log("")
    log(f"{'candidate':13} {'render ms':>9}  arabic joined  emoji")
    for label, result in results.items():
        joined = "yes" if result["joined"] else "NO"
        log(f"{label:13} {result['render']:9.1f}  {joined:13}  {result['emoji']}")
    log("")
    log(
        f"RESULT badge_render renderer=resvg first_ms={first_ms:.1f} "
        f"render_ms={statistics.median(renders):.1f} cached_ms={statistics.median(cached):.2f} "
        f"arabic_joined={'yes' if results['resvg']['joined'] else 'no'}"
    )
    log(
        "RESULT share_render "
        + " ".join(f"{label}_ms={ms:.1f}" for label, ms in shares["render"].items())
        + f" cached_ms={statistics.median(shares['cached']):.2f}"
    )
    return 0 if results["resvg"]["joined"] else 1


def share_images(badge, *, renders):
    """Render and cached times of the three kinds of share image."""
    from django.template.loader import render_to_string

    from badges import badge as badges
    from badges.rendering import FONT_FAMILY, png_once, svg_to_png
    from sharing import images

    site = images.site_image("en")
    country_svg = render_to_string(
        "sharing/country.svg",
        {
            "font_family": FONT_FAMILY,
            "name": "Portugal",
            "headline": "Portugal joins the Blue Heart Campaign",
            "headline_is_long": True,
            "is_launched": False,
        },
    )
    card = badge(NAMES["latin"], 99)
    kinds = {
        "site": (site.svg, lambda: site.png()),
        "country": (
            country_svg,
            lambda: png_once("bench:share:country", lambda: country_svg, *images.SIZE),
        ),
        "badge_card": (badges.share_svg(card), lambda: badges.share_png(card)),
    }
    figures = {"render": {}, "cached": []}
    for label, (svg, once) in kinds.items():
        render = median_ms(svg_to_png, svg, *images.SIZE, renders=renders)
        once()  # into the cache
        hit = median_ms(once, renders=renders)
        figures["render"][label] = render
        figures["cached"].append(hit)
        log(f"  share {label:10} render {render:6.1f} ms   cached {hit:5.2f} ms")
    return figures


if __name__ == "__main__":
    sys.exit(main())
