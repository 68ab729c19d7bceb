"""The checkout this package was installed from (editable), which the tests run against."""

from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
