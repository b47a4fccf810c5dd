"""The trend chart's PNG, read back as pixels: its size, that it draws something, that an
Arabic title renders with no missing glyph, that a spike's day is shaded where it should be,
and that the words come in the chat's language."""

from __future__ import annotations

import io
import logging
import warnings
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from marsad.bot import trend_view
from marsad.bot.archive_search import Target
from marsad.bot.trend_chart import BACKGROUND, MARGINS, SHADE, Chart, Series, render, tick_positions
from marsad.bot.trend_counts import Period, Trend
from marsad.matching.engine import Matcher
from marsad.matching.rulefile import load_rules
from marsad.store.chats import Language, SubscriptionKind

DAYS = tuple(f"{day} Nov" for day in range(1, 31))
COUNTS = tuple((day * 7) % 11 for day in range(30))


def rgb(colour: str) -> tuple[int, int, int]:
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


def pixels(png: bytes) -> Image.Image:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    return image.convert("RGB")


def drawn(image: Image.Image, box: tuple[int, int, int, int] | None = None) -> int:
    """Pixels that are not the background."""
    part = image.crop(box) if box else image
    background = rgb(BACKGROUND)
    return sum(1 for pixel in part.get_flattened_data() if pixel != background)


@pytest.mark.parametrize(("width", "height"), [(800, 400), (640, 320)])
def test_a_chart_has_the_configured_size_and_draws_its_bars(width: int, height: int) -> None:
    chart = Chart("@spain", (Series("Spain", COUNTS),), DAYS, width=width, height=height)
    image = pixels(render(chart))
    assert image.size == (width, height)
    colours = {pixel for pixel in image.get_flattened_data()}
    assert len(colours) > 50  # bars, text anti-aliased, grid: far more than a blank image
    assert drawn(image) > width * height // 20
    assert rgb("#1f6fb4") in colours  # the first series' bars


def test_two_series_are_drawn_in_two_colours() -> None:
    second = tuple(c // 2 for c in COUNTS)
    image = pixels(render(Chart("x", (Series("a", COUNTS), Series("b", second)), DAYS)))
    colours = set(image.get_flattened_data())
    assert rgb("#1f6fb4") in colours and rgb("#c0392b") in colours


def test_an_arabic_title_renders_with_every_glyph(caplog: pytest.LogCaptureFixture) -> None:
    """Only an Arabic title on a blank plot: its pixels are drawn, and matplotlib neither warns
    nor logs that a glyph is missing (DejaVu Sans has the Arabic letters)."""
    title = "حموشي وإسبانيا: الأخبار في اليوم"
    empty = Chart("", (Series("", (0,) * 5),), ("",) * 5, width=600, height=300)
    arabic = Chart(title, empty.series, empty.days, width=600, height=300)
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.DEBUG):
        warnings.simplefilter("always")
        blank = pixels(render(empty))
        shown = pixels(render(arabic))
    problems = [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]
    assert not [p for p in problems if "Glyph" in p or "missing" in p], problems
    top = int(300 * (1 - MARGINS[3])) - 2  # the title's band above the plot area
    band = (int(600 * MARGINS[0]), 0, 600, top)  # right of the y axis' labels
    assert drawn(blank, band) == 0
    assert drawn(shown, band) > 300
    # a glyph the font lacks is reported, so the check above could fail
    with warnings.catch_warnings(record=True) as lacking:
        warnings.simplefilter("always")
        render(Chart("中文", empty.series, empty.days, width=600, height=300))
    assert any("Glyph" in str(w.message) for w in lacking)


def shaded_columns(image: Image.Image) -> list[int]:
    shade = rgb(SHADE)
    width, height = image.size
    middle = height // 2
    return [x for x in range(width) if image.getpixel((x, middle)) == shade]


@pytest.mark.parametrize("day", [3, 17, 29])
def test_a_spike_shades_its_day_column(day: int) -> None:
    width = 800
    flat = (0,) * 30  # no bar hides the shade
    image = pixels(render(Chart("t", (Series("s", flat),), DAYS, frozenset({day}), width=width)))
    columns = shaded_columns(image)
    assert columns, "no pixel of the shade colour"
    left, right = MARGINS[0] * width, MARGINS[1] * width
    per_day = (right - left) / 30
    start, end = left + day * per_day, left + (day + 1) * per_day
    assert start - 1 <= min(columns) and max(columns) <= end + 1
    assert max(columns) - min(columns) >= per_day - 3
    unshaded = pixels(render(Chart("t", (Series("s", flat),), DAYS, width=width)))
    assert not shaded_columns(unshaded)


def test_date_labels_end_on_the_last_day() -> None:
    assert tick_positions(30) == [1, 5, 9, 13, 17, 21, 25, 29]
    assert tick_positions(5) == [0, 1, 2, 3, 4]
    assert tick_positions(90)[-1] == 89 and len(tick_positions(90)) <= 8


def test_a_chart_needs_matching_series() -> None:
    with pytest.raises(ValueError, match="one count per day"):
        Chart("t", (Series("s", (1, 2)),), DAYS)
    with pytest.raises(ValueError, match="1 to 2 series"):
        Chart("t", (), DAYS)


@pytest.mark.parametrize(
    ("language", "title", "x_label", "first_day", "caption"),
    [
        (
            Language.EN,
            "Spain and @france: stories per day, last 3 days",
            "Date (Africa/Casablanca)",
            "3 Dec",
            "<b>Spain</b>: 4 stories in the last 3d\n2 spikes, shaded on the chart\n"
            "<b>@france</b>: 1 story in the last 3d",
        ),
        (
            Language.AR,
            "Spain و@france: الأخبار في اليوم، آخر 3 أيام",
            "التاريخ (Africa/Casablanca)",
            "3 ديسمبر",
            "<b>Spain</b>: 4 أخبار في آخر 3d\nطفرتان، مظللتان في الرسم\n"
            "<b>@france</b>: خبر واحد في آخر 3d",
        ),
        (
            Language.FR,
            "Spain et @france : articles par jour, 3 derniers jours",
            "Date (Africa/Casablanca)",
            "3 déc.",
            "<b>Spain</b> : 4 articles sur les dernières 3d\n2 pics, en grisé sur le graphique\n"
            "<b>@france</b> : 1 article sur les dernières 3d",
        ),
    ],
)
def test_the_words_of_a_chart_in_the_chats_language(
    language: Language, title: str, x_label: str, first_day: str, caption: str, tmp_path: Path
) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text('[[entity]]\nid = "spain"\nkind = "place"\nname = "Spain"\n')
    matcher = Matcher.compile(load_rules([rules]))
    tz = ZoneInfo("Africa/Casablanca")
    period = Period.ending(datetime(2026, 12, 5, 22, 30, tzinfo=UTC), 3, tz)
    assert period.first == date(2026, 12, 3)
    spain = Trend(Target(SubscriptionKind.ENTITY, "spain"), (1, 3, 0), 4, frozenset({1}), 2)
    france = Trend(Target(SubscriptionKind.ENTITY, "france"), (0, 1, 0), 1, frozenset(), 0)
    chart = trend_view.chart([spain, france], period, language, matcher)
    assert chart.title == title
    assert chart.x_label == x_label
    assert chart.days[0] == first_day
    assert chart.shaded == frozenset({1})
    assert trend_view.caption([spain, france], period, language, matcher) == caption
