"""The spike alert and ``marsad spikes`` name the window that spiked: an hour, the last 3 or 6
hours, or a day, in Arabic, English and French."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from marsad.bot.commands.spikes import window_text
from marsad.bot.spike_alerts import headline, window_line
from marsad.store.chats import Language
from marsad.store.spikes import Spike, SpikeWindow

END = datetime(2026, 11, 22, 12, tzinfo=UTC)
CASABLANCA = ZoneInfo("Africa/Casablanca")


def spike(window: SpikeWindow, hours: int, count: int = 7) -> Spike:
    return Spike(
        target_kind="entity",
        target="hammouchi",
        window=window.value,
        window_start=END - timedelta(hours=hours),
        window_end=END,
        count=count,
        baseline=1.24,
        p_value=1e-7,
        story_ids=[],
        detected_at=END,
    )


@pytest.mark.parametrize(
    ("window", "hours", "language", "counted"),
    [
        (SpikeWindow.HOUR, 1, Language.EN, "7 stories in the hour (usually ~1.2)"),
        (SpikeWindow.HOURS_3, 3, Language.EN, "7 stories in the last 3 hours (usually ~1.2)"),
        (SpikeWindow.HOURS_6, 6, Language.EN, "7 stories in the last 6 hours (usually ~1.2)"),
        (SpikeWindow.DAY, 24, Language.EN, "7 stories in the day (usually ~1.2)"),
        (SpikeWindow.HOURS_3, 3, Language.AR, "7 أخبار في الساعات الثلاث الأخيرة (عادةً ~1.2)"),
        (SpikeWindow.HOURS_6, 6, Language.AR, "7 أخبار في الساعات الست الأخيرة (عادةً ~1.2)"),
        (SpikeWindow.HOURS_3, 3, Language.FR, "7 articles ces 3 dernières heures"),
        (SpikeWindow.HOURS_6, 6, Language.FR, "7 articles ces 6 dernières heures"),
    ],
)
def test_the_alert_names_its_window(
    window: SpikeWindow, hours: int, language: Language, counted: str
) -> None:
    text = headline(spike(window, hours), "Hammouchi", language)
    assert text.startswith("📈 ") and "<b>Hammouchi</b>" in text
    assert counted in text, text


def test_the_window_line_and_the_cli_show_where_a_six_hour_window_starts_and_ends() -> None:
    six = spike(SpikeWindow.HOURS_6, 6)
    assert window_line(six, Language.EN, CASABLANCA).startswith("22 Nov 07:00 – 13:00")
    assert window_text(six, CASABLANCA) == "2026-11-22 07:00–13:00 +01 (6h)"
