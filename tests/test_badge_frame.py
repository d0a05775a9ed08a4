"""The badge page's photo frame, in Chromium: a local photo comes back framed
with the Blue Heart, and never leaves the browser."""

from urllib.parse import urlsplit

import pytest
from PIL import Image

from tests.conftest import make_pledge

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZE = 1080
CAMPAIGN_BLUE = (0x0B, 0x4F, 0x9C)
# A photo in a colour the frame never uses, wider than tall: the frame must crop it.
PHOTO_COLOUR = (230, 120, 20)
WHITE = (255, 255, 255)
# The centre of the emblem's disc, on the ring's middle at 45 degrees (static/js/frame.js).
EMBLEM = round(SIZE / 2 + (SIZE / 2 - 36) * 0.5**0.5)


def close(pixel, colour, tolerance=8):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "holiday.png"
    image = Image.new("RGB", (1600, 900), PHOTO_COLOUR)
    # Bands at the far left and right that a centre crop cuts off.
    image.paste((0, 200, 0), (0, 0, 300, 900))
    image.paste((0, 200, 0), (1300, 0, 1600, 900))
    image.save(path)
    return path


@pytest.fixture
def badge_url(live_server):
    pledge = make_pledge("ana@example.org", "PT", display_name="Ana Silva")
    return f"{live_server.url}/badge/{pledge.public_id}/"


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True)
    yield context.new_page()
    context.close()


def test_it_frames_a_local_photo_without_sending_it(page, badge_url, photo, tmp_path):
    requests = []
    page.on("request", lambda request: requests.append(request))
    page.goto(badge_url)
    page.wait_for_load_state("networkidle")
    before = len(requests)

    page.get_by_label("Your photo", exact=True).set_input_files(photo)
    link = page.get_by_role("link", name="Download framed photo")
    link.wait_for()
    assert "Your framed photo is ready" in page.get_by_role("status").inner_text()
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "blue-heart-photo.png"
    saved = tmp_path / "framed.png"
    download.save_as(saved)
    page.wait_for_load_state("networkidle")

    framed = Image.open(saved)
    assert framed.format == "PNG"
    assert framed.size == (SIZE, SIZE)
    framed = framed.convert("RGB")
    for corner in [(5, 5), (SIZE - 5, 5), (5, SIZE - 5)]:
        assert close(framed.getpixel(corner), CAMPAIGN_BLUE), corner
    assert close(framed.getpixel((SIZE // 2, SIZE // 2)), PHOTO_COLOUR)
    # The Blue Heart, on its white disc where the ring meets the lower right corner.
    assert close(framed.getpixel((EMBLEM - 85, EMBLEM)), WHITE)
    assert close(framed.getpixel((EMBLEM, EMBLEM + 10)), CAMPAIGN_BLUE)
    # Cropped to the centre: the side bands are gone from inside the ring.
    assert close(framed.getpixel((200, SIZE // 2)), PHOTO_COLOUR)
    assert close(framed.getpixel((SIZE - 200, SIZE // 2)), PHOTO_COLOUR)

    origin = urlsplit(badge_url).netloc
    # Nothing went anywhere but to us, and only to fetch the page and its assets.
    assert {urlsplit(r.url).netloc for r in requests if r.url.startswith("http")} == {origin}
    assert all(r.method == "GET" and r.post_data is None for r in requests)
    # After the photo was chosen: no request at all, but the blob: URL the
    # browser reads back from its own memory to save the file.
    after = [r.url for r in requests[before:] if not r.url.startswith(f"blob:http://{origin}/")]
    assert after == []


def test_it_says_so_when_the_file_is_not_an_image(page, badge_url, tmp_path):
    not_a_photo = tmp_path / "notes.png"
    not_a_photo.write_text("not an image")
    page.goto(badge_url)
    page.get_by_label("Your photo", exact=True).set_input_files(not_a_photo)
    status = page.get_by_role("status")
    status.filter(has_text="could not be read as an image").wait_for()
    assert page.get_by_role("link", name="Download framed photo").count() == 0


def test_it_offers_the_plain_badge_without_javascript(browser, badge_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(badge_url)
    assert page.get_by_role("link", name="Download the badge (PNG").is_visible()
    assert page.get_by_role("link", name="Download the badge (SVG)").is_visible()
    assert page.get_by_role("heading", name="Frame your photo").count() == 0
    assert not page.locator("#frame").is_visible()
    assert not page.get_by_label("Your photo", exact=True).is_visible()
    context.close()
