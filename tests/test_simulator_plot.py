"""The plot's data: latency percentiles per time bin, and the domains worth a line of their own."""

from postdove.simulator.events import DeferredByDomain
from postdove.simulator.plot import busiest, hours_of_day, latency_percentiles


def test_latency_percentiles_per_bin():
    deliveries = [(10.0, 1.0), (20.0, 3.0), (70.0, 100.0)]
    cuts = latency_percentiles(deliveries, duration=6000)  # bins of 100 s
    assert cuts["p50"] == [(50.0, 3.0)] and 90 < cuts["p99"][0][1] <= 100
    assert latency_percentiles([], 10) == {}


def test_busiest_domains_by_their_deferred_peak():
    samples = [DeferredByDomain(0, (("a.test", 1), ("b.test", 9))), DeferredByDomain(1, (("a.test", 5),))]
    assert busiest(samples) == ["b.test", "a.test"]


def test_the_clock_in_hours():
    assert hours_of_day("10:30") == 10.5 and hours_of_day(None) == 0.0
