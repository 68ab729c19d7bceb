"""Parameters come from main.cf or `postconf -n`, over the version's defaults, with Postfix's units."""

import re

import pytest

from postdove.simulator.params import defaults, from_maincf, parse_time


def test_short_timers_of_the_validation_rig():
    text = """
# the validation rig (docs/simulator.md §6.1)
queue_run_delay = 1s
minimal_backoff_time = 4s
maximal_backoff_time = 16s
maximal_queue_lifetime = 50s
myhostname = server.hello.com
default_destination_concurrency_negative_feedback = 1/concurrency
"""
    params = from_maincf(text)
    assert (params.queue_run_delay, params.minimal_backoff_time, params.maximal_backoff_time) == (1, 4, 16)
    assert params.maximal_queue_lifetime == 50
    assert params.default_destination_concurrency_negative_feedback == "1/concurrency"
    assert params.bounce_queue_lifetime == 5 * 86400
    assert params.effective_bounce_queue_lifetime == 50


@pytest.mark.parametrize(
    ("name", "value", "seconds"),
    [
        ("maximal_queue_lifetime", "5", 5 * 86400),
        ("delay_warning_time", "4", 4 * 3600),
        ("queue_run_delay", "300", 300),
        ("maximal_backoff_time", "2h", 7200),
        ("minimal_backoff_time", "1w", 604800),
    ],
)
def test_time_units_follow_postfix(name, value, seconds):
    assert parse_time(name, value) == seconds


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("queue_run_delay = soon", "queue_run_delay = 'soon' is not a Postfix time"),
        ("qmgr_message_active_limit = lots", "qmgr_message_active_limit = 'lots' is not a whole number"),
        ("default_destination_concurrency_positive_feedback = fast", "is not a feedback value"),
        ("just words", "has no '='"),
    ],
)
def test_bad_values_name_the_parameter(line, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        from_maincf(line)


def test_unknown_version_is_refused():
    with pytest.raises(ValueError, match=re.escape("version '2.11'")):
        defaults("2.11")
