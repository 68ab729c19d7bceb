"""Shared paths for the unit tests."""

import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
# proof_log (the suite's summary of attacks, bad inputs and faults) lives with the verifier.
sys.path.append(str(PROJECT / "molecule/verify"))
