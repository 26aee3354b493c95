"""The fuzz suite's seeds and runner (issue 11: at least 10,000 generated cases per run).

Every fuzz test runs twice: with the fixed seed (the same cases on every run, so a
regression shows up reproducibly) and with a fresh random seed (new cases each run).
The seed is in the test id (``[seed=...]``) and printed when a test fails; rerun one
with ``ANYMAIL_FUZZ_SEED=<seed> pytest tests/fuzz``. ``ANYMAIL_FUZZ_SCALE=4`` multiplies
the number of cases (for a longer local run).
"""

from __future__ import annotations

import os
import random
import sys
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis.strategies import SearchStrategy

FIXED_SEED = 20261111
RANDOM_SEED = int(os.environ.get("ANYMAIL_FUZZ_SEED") or random.SystemRandom().randrange(2**32))
SEEDS = [
    pytest.param(FIXED_SEED, id=f"seed={FIXED_SEED}"),
    pytest.param(RANDOM_SEED, id=f"seed={RANDOM_SEED}"),
]
SCALE = float(os.environ.get("ANYMAIL_FUZZ_SCALE") or 1)
DEFAULT_RECURSION_LIMIT = 1000  # Python's


def run_cases(
    check: Callable[[Any], None], strategy: SearchStrategy[Any], seed_value: int, cases: int
) -> int:
    """Run `check` on `cases` examples of `strategy` drawn from `seed_value`; returns the count."""
    examples = max(1, int(cases * SCALE))
    ran = [0]

    @seed(seed_value)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,  # the same cases for a seed, whatever ran before
        derandomize=False,  # the seed decides
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def fuzz(case: Any) -> None:
        ran[0] += 1
        # Hypothesis raises the recursion limit while it runs a test; production runs with
        # Python's default, and RecursionError is one of the failures being fuzzed for.
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(DEFAULT_RECURSION_LIMIT)
        try:
            check(case)
        finally:
            sys.setrecursionlimit(limit)

    try:
        fuzz()
    except BaseException:
        print(f"\nFuzz failure with seed {seed_value}: rerun with ANYMAIL_FUZZ_SEED={seed_value}")
        raise
    assert ran[0] >= examples, f"only {ran[0]} of {examples} cases ran"
    return ran[0]
