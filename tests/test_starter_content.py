"""`migrate` alone brings the starter content, so every fresh database has it."""

import datetime

import pytest

from campaign.models import Country

pytestmark = pytest.mark.django_db


def test_spain_and_portugal_exist_after_migrate():
    countries = {c.code.code: c for c in Country.objects.all()}
    assert countries["ES"].status == Country.Status.LAUNCHED
    assert countries["ES"].launch_month == datetime.date(2010, 6, 1)
    assert countries["PT"].status == Country.Status.ANNOUNCED
    assert countries["PT"].launch_month == datetime.date(2021, 4, 1)


def test_only_launched_countries_count_as_launched():
    assert [c.code.code for c in Country.objects.launched()] == ["ES"]
