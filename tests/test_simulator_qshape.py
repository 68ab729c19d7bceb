"""qshape tables follow qshape.pl's buckets, widths and row order (docs/simulator.md §7)."""

import pytest

from postdove.simulator.events import QueuedMessage, QueueSnapshot
from postdove.simulator.report import bucket, qshape, qshape_domain


@pytest.mark.parametrize(
    ("age_minutes", "column"), [(0, 1), (4.9, 1), (5, 2), (9.9, 2), (10, 3), (20, 4), (6399, 10), (10**6, 10)]
)
def test_geometric_buckets(age_minutes, column):
    assert bucket(age_minutes * 60, 5, 10) == column


@pytest.mark.parametrize(
    ("raw", "domain"), [("", "MAILER-DAEMON"), ("User@Example.COM", "example.com"), ("a@.x..y.", "x.y")]
)
def test_domain_normalisation(raw, domain):
    assert qshape_domain(raw) == domain


def test_table_layout_matches_the_readme_example_shape():
    now = 100000.0
    messages = [
        QueuedMessage("incoming", now - 60 * 15, "s@a.test", ("yahoo.com",)),
        QueuedMessage("active", now - 60 * 2000, "s@a.test", ("yahoo.com", "b.test")),
    ]
    table = qshape(QueueSnapshot(now, tuple(messages)))
    lines = table.splitlines()
    assert lines[0] == " " * 41 + "T  5 10 20 40 80 160 320 640 1280 1280+"
    assert lines[1].split() == ["TOTAL", "3", "0", "0", "1", "0", "0", "0", "0", "0", "0", "2"]
    assert lines[2].split()[0] == "yahoo.com" and lines[3].split()[0] == "b.test"
    assert all(len(line) == 80 for line in lines)
