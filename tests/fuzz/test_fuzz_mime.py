"""Fuzz the MIME parser: parsing and every accessor of the result never raise."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from anymail.inbound import AnymailInboundMessage
from anymail.inbound_parsing import InboundLimits
from tests.fuzz.checks import read_everything
from tests.fuzz.conftest import SEEDS, run_cases
from tests.fuzz.strategies import messages

CASES = 1200

limits = st.one_of(
    st.none(),  # the defaults
    st.builds(
        InboundLimits,
        max_depth=st.integers(min_value=1, max_value=30),
        max_parts=st.none() | st.integers(min_value=1, max_value=60),
        max_lines=st.none() | st.integers(min_value=1, max_value=500),
        max_bytes=st.none() | st.integers(min_value=1, max_value=5000),
    ),
)


def check(case: tuple[bytes, int, Any]) -> None:
    raw, chunk_size, parse_limits = case
    if chunk_size >= len(raw):
        message = AnymailInboundMessage.parse_raw_mime_bytes(raw, parse_limits)
    else:
        chunk_size = max(chunk_size, len(raw) // 200)  # at most ~200 chunks: time for more cases
        chunks = (raw[i : i + chunk_size] for i in range(0, len(raw), chunk_size))
        message = AnymailInboundMessage.parse_raw_mime_chunks(chunks, parse_limits)
    assert isinstance(message, AnymailInboundMessage)
    if message.parse_problem is not None and message.raw_mime is not None:
        assert message.raw_mime == raw
    read_everything(message)


@pytest.mark.parametrize("seed_value", SEEDS)
def test_parsing_and_reading_never_raise(seed_value: int) -> None:
    chunk_sizes = st.integers(min_value=1, max_value=32) | st.integers(
        min_value=33, max_value=65536
    )
    cases = st.tuples(messages(), chunk_sizes, limits)
    run_cases(check, cases, seed_value, CASES)
