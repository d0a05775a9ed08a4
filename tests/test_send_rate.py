"""The bulk send rate (MAILING_RATE_PER_MINUTE): one bucket of tokens shared by
every worker, in a row locked only while a batch takes its tokens."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mailings import sending

pytestmark = pytest.mark.django_db

START = timezone.now()


def at(seconds: float):
    return START + timedelta(seconds=seconds)


@pytest.fixture
def six_hundred_a_minute(settings):
    settings.MAILING_RATE_PER_MINUTE = 600  # ten a second
    settings.MAILING_BATCH_SIZE = 100


def test_it_grants_no_more_than_the_rate_allows(six_hundred_a_minute):
    granted, _ = sending.take_tokens(100, at(0))  # the first call finds a bucket of 100
    assert granted == 100
    # A second later, ten more have come in: too few for a batch of a hundred, so
    # the worker is told to come back when the bucket holds what it waits for.
    granted, wait = sending.take_tokens(100, at(1))
    assert granted == 0
    assert wait == pytest.approx(9.0)
    # Ten seconds on: a full batch's worth again.
    granted, _ = sending.take_tokens(100, at(10))
    assert granted == 100


def test_over_a_minute_it_sends_at_most_the_rate_plus_one_batch(six_hundred_a_minute):
    sent, moment = 0, 0.0
    while moment <= 60:
        granted, wait = sending.take_tokens(100, at(moment))
        sent += granted
        moment += wait or 0.5
    assert 600 <= sent <= 600 + 100


def test_unused_tokens_go_back(six_hundred_a_minute):
    granted, _ = sending.take_tokens(100, at(0))
    sending.give_back_tokens(60)  # the batch found only 40 rows to send
    granted, _ = sending.take_tokens(50, at(0.1))
    assert granted == 50


def test_no_rate_means_no_wait(settings):
    settings.MAILING_RATE_PER_MINUTE = 0
    assert sending.take_tokens(100) == (100, 0.0)
