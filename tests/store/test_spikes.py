"""The spikes table on a real SQLite file and the real PostgreSQL: a window is recorded once
(whoever finds it first), read back by period and target, and the latest one is the cooldown's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from marsad.store.engine import open_store, session
from marsad.store.spikes import (
    Spike,
    SpikeTarget,
    SpikeWindow,
    last_spike,
    record_spike,
    spikes_between,
)

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    engine = open_store(store_url)
    yield engine
    engine.dispose()


def spike(target: str, start: datetime, window: SpikeWindow = SpikeWindow.HOUR) -> Spike:
    length = timedelta(hours=1) if window is SpikeWindow.HOUR else timedelta(days=1)
    return Spike(
        target_kind=SpikeTarget.ENTITY.value,
        target=target,
        window=window.value,
        window_start=start,
        window_end=start + length,
        count=7,
        baseline=1.5,
        p_value=2e-5,
        story_ids=[11, 12, 13],
        detected_at=start + length,
    )


def test_a_window_is_recorded_once_and_read_back_by_period_and_target(engine: Engine) -> None:
    with session(engine) as s:
        assert record_spike(s, spike("spain", NOW)) is not None
        assert record_spike(s, spike("spain", NOW)) is None  # found again: not twice
        assert record_spike(s, spike("spain", NOW, SpikeWindow.DAY)) is not None
        assert record_spike(s, spike("spain", NOW + timedelta(days=2))) is not None
        assert record_spike(s, spike("hammouchi", NOW + timedelta(hours=1))) is not None
        s.commit()
    with session(engine) as s:
        day = spikes_between(s, NOW, NOW + timedelta(days=1))
        assert [(x.target, x.window) for x in day] == [
            ("spain", "hour"),
            ("spain", "day"),
            ("hammouchi", "hour"),
        ]
        assert day[0].story_ids == [11, 12, 13]
        assert day[0].window_start == NOW  # an aware UTC time back from both databases
        spain = spikes_between(s, NOW, NOW + timedelta(days=3), SpikeTarget.ENTITY, "spain")
        assert len(spain) == 3
        latest = last_spike(s, SpikeTarget.ENTITY, "spain", SpikeWindow.HOUR)
        assert latest is not None and latest.window_start == NOW + timedelta(days=2)
        assert last_spike(s, SpikeTarget.RULE, "spain") is None
