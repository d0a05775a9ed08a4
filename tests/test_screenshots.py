"""The README shows the site in English and in Arabic: the screenshots that
scripts/screenshots takes (make screenshots) are there, small, and shown."""

from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "docs" / "screenshots"
NAMES = ["home-en.png", "home-ar.png", "country-ar.png", "home-ar-phone.png"]
MAX_BYTES = 250_000


def test_the_screenshots_are_there_and_small():
    for name in NAMES:
        path = SHOTS / name
        assert path.stat().st_size < MAX_BYTES, name
        with Image.open(path) as image:
            assert image.format == "PNG", name
            assert image.width in (1280, 390), name


def test_the_readme_shows_them():
    readme = (ROOT / "README.md").read_text()
    for name in NAMES:
        assert f"docs/screenshots/{name}" in readme, name
