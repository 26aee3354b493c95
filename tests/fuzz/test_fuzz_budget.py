"""The fuzz suite's size: issue 11 asks for at least 10,000 generated cases per run."""

from __future__ import annotations

from tests.fuzz import test_fuzz_inbound, test_fuzz_mime, test_fuzz_tracking
from tests.fuzz.conftest import SEEDS


def test_at_least_ten_thousand_cases_per_run() -> None:
    per_seed = test_fuzz_tracking.CASES + test_fuzz_inbound.CASES + test_fuzz_mime.CASES
    assert per_seed * len(SEEDS) >= 10_000  # each run_cases() checks that it ran them all
