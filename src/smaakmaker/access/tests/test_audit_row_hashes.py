# SPDX-License-Identifier: EUPL-1.2
"""The processing log's hashes built for many rows at once (``row_hashes``) are exactly the chain that
``row_hash`` gives row by row, which ``verify`` checks: same JSON text, same digest, whatever the values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from smaakmaker.access.audit import GENESIS, LOG_FIELDS, pseudonym, row_hash, row_hashes

text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
value = st.one_of(
    text,
    st.none(),
    st.integers(),
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=2))])),
)


def _chained(previous: str, rows: list[dict]) -> list[str]:
    hashes = []
    for row in rows:
        previous = row_hash(previous, row)
        hashes.append(previous)
    return hashes


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a shared machine
@given(st.lists(st.lists(value, min_size=len(LOG_FIELDS), max_size=len(LOG_FIELDS)), max_size=4), text)
@example(
    [
        dict.fromkeys(LOG_FIELDS, 'aan "huis" \\ nr\n\t\u00e9\u20ac\x00\u2028'),
        dict.fromkeys(LOG_FIELDS),
        {key: datetime(2026, 12, 7, 16, 0, 0, 1, tzinfo=UTC) for key in LOG_FIELDS},
    ],
    GENESIS,
)
@example([], GENESIS)
def test_row_hashes_are_the_chain_of_row_hash(rows, previous):
    rows = [row if isinstance(row, dict) else dict(zip(LOG_FIELDS, row, strict=True)) for row in rows]
    assert row_hashes(previous, rows) == _chained(previous, rows)


def test_a_value_shared_by_rows_and_a_value_changed_between_them():
    when = datetime(2026, 12, 7, tzinfo=UTC)
    rows = [{"a": when, "b": str(i), "c": "gedeeld"} for i in range(3)]
    rows[2]["c"] = "anders"  # after two rows with the same object
    assert row_hashes(GENESIS, rows) == _chained(GENESIS, rows)
    with pytest.raises(ValueError):
        row_hashes(GENESIS, [{"a": 1}, {"a": 1, "b": 2}])


def test_pseudonym_follows_the_configured_key():
    import hashlib
    import hmac

    def expected(secret: str) -> str:
        key = hashlib.sha256(secret.encode()).digest()
        return hmac.new(key, b"address:42", hashlib.sha256).hexdigest()[:32]

    with override_settings(PSEUDONYM_KEY="sleutel-een"):
        first = pseudonym("address", "42")
    with override_settings(PSEUDONYM_KEY="sleutel-twee"):
        second = pseudonym("address", "42")
    assert first == expected("sleutel-een") and second == expected("sleutel-twee") and first != second
