"""A trend chart as a PNG: stories per day, recorded spikes shaded, optionally a second series.

Pure: a ``Chart`` (numbers and words already in the chat's language) in, PNG bytes out; no
store, no clock.  matplotlib is imported here only, and only when a chart is drawn, so the
service and the other commands never pay for it.  The object-oriented API (a ``Figure`` on an
Agg canvas) keeps no global state, so charts may be drawn in threads.  The font is DejaVu Sans,
which ships with matplotlib and has the Arabic glyphs; matplotlib (3.11 and later) shapes Arabic
and lays right-to-left text out itself, so the words are given as they are written (reshaping
and reordering them first, the old trick, now reverses them).

One series is drawn as bars, two as lines with markers (bars side by side get thin at 90 days).
A shaded day is a full-height band behind the data in ``SHADE``, opaque, so a test can find it.
The plot area has fixed margins (``MARGINS``): day ``i`` of ``n`` is the horizontal band
``[i - 0.5, i + 0.5]`` of ``[-0.5, n - 0.5]`` between the left and right margins.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

SHADE = "#fde0b4"
"""The colour of a spike's day (light amber)."""
COLOURS = ("#1f6fb4", "#c0392b")
"""The first and the second series."""
BACKGROUND = "#ffffff"
FONT = "DejaVu Sans"
MARGINS = (0.09, 0.97, 0.17, 0.86)
"""left, right, bottom, top of the plot area, as fractions of the figure."""
MAX_TICKS = 8
"""Date labels shown at most (every k-th day)."""


@dataclass(frozen=True)
class Series:
    """One line or set of bars: its legend label and a count per day."""

    label: str
    counts: tuple[int, ...]


@dataclass(frozen=True)
class Chart:
    """What to draw: the series (one or two, the same number of days), a label per day, the
    indexes of the days to shade, the words, and the size in pixels."""

    title: str
    series: tuple[Series, ...]
    days: tuple[str, ...]
    """The x-axis label of each day (written for the chat's locale)."""
    shaded: frozenset[int] = field(default_factory=frozenset)
    x_label: str = ""
    y_label: str = ""
    width: int = 800
    height: int = 400
    dpi: int = 100

    def __post_init__(self) -> None:
        if not 1 <= len(self.series) <= len(COLOURS):
            raise ValueError(f"a chart has 1 to {len(COLOURS)} series, not {len(self.series)}")
        if any(len(s.counts) != len(self.days) for s in self.series):
            raise ValueError("every series needs one count per day")
        if not self.days:
            raise ValueError("a chart needs at least one day")


def tick_positions(days: int, most: int = MAX_TICKS) -> list[int]:
    """The days that get a date label: every k-th counted back from the last (today's)."""
    step = max(1, -(-days // most))
    return sorted(range(days - 1, -1, -step))


def render(chart: Chart) -> bytes:
    """The chart as PNG bytes, ``chart.width`` × ``chart.height`` pixels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(chart.width / chart.dpi, chart.height / chart.dpi), dpi=chart.dpi)
    figure.set_facecolor(BACKGROUND)
    left, right, bottom, top = MARGINS
    figure.subplots_adjust(left=left, right=right, bottom=bottom, top=top)
    axes = figure.add_subplot()
    axes.set_facecolor(BACKGROUND)
    count = len(chart.days)
    for day in sorted(chart.shaded):
        if 0 <= day < count:
            axes.axvspan(day - 0.5, day + 0.5, color=SHADE, zorder=0, linewidth=0)
    positions = list(range(count))
    if len(chart.series) == 1:
        only = chart.series[0]
        axes.bar(positions, only.counts, width=0.8, color=COLOURS[0], zorder=2, label=only.label)
    else:
        for series, colour in zip(chart.series, COLOURS, strict=False):
            axes.plot(
                positions,
                series.counts,
                color=colour,
                linewidth=2,
                marker="o",
                markersize=3,
                zorder=2,
                label=series.label,
            )
        axes.legend(loc="upper left", prop={"family": FONT, "size": 9}, framealpha=1.0)
    axes.set_xlim(-0.5, count - 0.5)
    highest = max((max(s.counts, default=0) for s in chart.series), default=0)
    axes.set_ylim(0, max(1, highest) * 1.15)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    ticks = tick_positions(count)
    axes.set_xticks(ticks, [chart.days[i] for i in ticks], fontfamily=FONT, fontsize=8)
    axes.tick_params(axis="y", labelsize=8)
    axes.grid(axis="y", color="#dddddd", linewidth=0.6, zorder=1)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.set_title(chart.title, fontfamily=FONT, fontsize=12)
    axes.set_xlabel(chart.x_label, fontfamily=FONT, fontsize=9)
    axes.set_ylabel(chart.y_label, fontfamily=FONT, fontsize=9)
    FigureCanvasAgg(figure)  # draws on Agg: no GUI backend, no global state
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=chart.dpi, facecolor=BACKGROUND)
    return out.getvalue()
