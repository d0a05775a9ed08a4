"""`migrate` alone brings the starter content, so every fresh database has it."""

import datetime

import pytest
from django.utils import translation

from campaign.models import Country

pytestmark = pytest.mark.django_db


def test_it_has_spain_and_portugal_after_migrate():
    countries = {c.code.code: c for c in Country.objects.all()}
    assert countries["ES"].status == Country.Status.LAUNCHED
    assert countries["ES"].launch_date == datetime.date(2010, 6, 1)
    assert countries["PT"].status == Country.Status.UPCOMING
    assert countries["PT"].launch_date == datetime.date(2021, 4, 1)


def test_it_counts_only_launched_countries_as_launched():
    assert [c.code.code for c in Country.objects.launched()] == ["ES"]


def test_it_says_a_launch_month_without_making_up_a_day():
    countries = {c.code.code: c for c in Country.objects.all()}
    assert countries["PT"].launch_date_label() == "April 2021"
    assert countries["ES"].launch_date_label() == "June 2010"


def test_it_writes_months_as_each_language_does():
    portugal = Country.objects.get(code="PT")
    with translation.override("pt"):
        assert portugal.launch_date_label() == "abril de 2021"
    with translation.override("es"):
        assert portugal.launch_date_label() == "abril de 2021"
