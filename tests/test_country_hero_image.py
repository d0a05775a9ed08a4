"""A moderator uploads their country's hero image from the settings form: it
is checked and re-encoded (campaign.images) before the page uses it."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from campaign.models import Country, CountryTranslation
from tests import content
from tests.staff import sign_in_as

pytestmark = pytest.mark.django_db

URL = "/staff/countries/pt/"
SETTINGS = {
    "status": "upcoming",
    "launch_date": "2021-04-01",
    "launch_date_precision": "month",
    "languages": ["pt", "en"],
    "supporter_goal": "",
}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def paula(client):
    return sign_in_as(client, "moderator_pt")[0]


def png() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 32), (11, 79, 156)).save(out, "PNG")
    return SimpleUploadedFile("beach.png", out.getvalue(), content_type="image/png")


def test_it_stores_the_upload_re_encoded(client, paula, media_root):
    response = client.post(URL, {**SETTINGS, "hero_image": png()})
    assert response.status_code == 302
    name = Country.objects.get(code="PT").hero_image.name
    assert name.startswith("heroes/") and name.endswith(".webp")
    assert Image.open(media_root / name).format == "WEBP"
    page = client.get(URL).content.decode()
    assert f'href="/media/{name}"' in page  # shown, with a box to remove it


def test_it_refuses_a_file_that_is_not_an_image_and_saves_nothing(client, paula):
    before = content.snapshot()
    fake = SimpleUploadedFile("hero.png", b"<script>alert(1)</script>", content_type="image/png")
    response = client.post(URL, {**SETTINGS, "supporter_goal": "50", "hero_image": fake})
    assert response.status_code == 400
    assert "This file is not an image we can use." in response.content.decode()
    assert content.snapshot() == before


def test_it_removes_the_image_when_asked(client, paula):
    client.post(URL, {**SETTINGS, "hero_image": png()})
    response = client.post(URL, {**SETTINGS, "hero_image-clear": "on"})
    assert response.status_code == 302
    assert not Country.objects.get(code="PT").hero_image


def test_saving_other_settings_keeps_the_image(client, paula):
    client.post(URL, {**SETTINGS, "hero_image": png()})
    name = Country.objects.get(code="PT").hero_image.name
    client.post(URL, {**SETTINGS, "supporter_goal": "500"})
    country = Country.objects.get(code="PT")
    assert (country.hero_image.name, country.supporter_goal) == (name, 500)


def test_the_page_is_published_only_once_every_language_describes_the_image(client, paula):
    # Portugal's page in two languages only (the starter text has all seven).
    CountryTranslation.objects.filter(country__code="PT").exclude(
        language__in=["pt", "en"]
    ).delete()
    content.country_text("PT", "pt", headline="Olá", hero_alt="Uma praia ao pôr do sol")
    english = content.country_text("PT", "en", headline="Hello")
    client.post(URL, {**SETTINGS, "hero_image": png()})
    before = content.snapshot()
    response = client.post(URL + "publish/")
    assert response.status_code == 400
    assert "Describe the hero image in every language before publishing: English." in (
        response.content.decode()
    )
    assert content.snapshot() == before
    content.country_text("PT", "en", headline="Hello", hero_alt="A beach at sunset")
    assert client.post(URL + "publish/").status_code == 302
    english.refresh_from_db()
    assert english.published_hero_alt == "A beach at sunset"
