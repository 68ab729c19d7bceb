"""Shared paths for the unit tests."""

from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
