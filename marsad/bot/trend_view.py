"""The words of a trend chart in the chat's language: its title, axis labels, the date of each
day, and the caption that goes with the photo (its totals and spikes).

Shared by ``/trend``, the daily digest's chart and ``marsad trend`` (in English there).  The
chart's words are plain text (matplotlib draws them); the caption is Telegram HTML.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from babel.dates import format_date

from marsad.bot import i18n
from marsad.bot.archive_search import Target
from marsad.bot.i18n import t, tn
from marsad.bot.titles import entity_label, rule_label
from marsad.bot.trend_chart import Chart, Series
from marsad.bot.trend_counts import Period, Trend
from marsad.matching.engine import Matcher
from marsad.store.chats import Language, SubscriptionKind
from marsad.units import format_duration

NAME_MAX = 40
"""Characters of a query shown as a series' name."""


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def name_of(matcher: Matcher | None, target: Target, language: Language) -> str:
    """A target as a person reads it: the entity's or rule's title, or the query."""
    if target.kind is SubscriptionKind.ENTITY:
        return entity_label(matcher, target.text, language)
    if target.kind is SubscriptionKind.RULE:
        return rule_label(matcher, target.text, language)
    text = target.text
    return text if len(text) <= NAME_MAX else text[: NAME_MAX - 1] + "…"


def title(names: Sequence[str], days: int, language: Language) -> str:
    if len(names) == 1:
        return tn(
            language,
            "{name}: stories per day, last {n} day",
            "{name}: stories per day, last {n} days",
            days,
            name=names[0],
        )
    return tn(
        language,
        "{first} and {second}: stories per day, last {n} day",
        "{first} and {second}: stories per day, last {n} days",
        days,
        first=names[0],
        second=names[1],
    )


def chart(
    trends: Sequence[Trend],
    period: Period,
    language: Language,
    matcher: Matcher | None,
    *,
    width: int = 800,
    height: int = 400,
) -> Chart:
    """The chart of one or two trends, its words in ``language``."""
    names = [name_of(matcher, trend.target, language) for trend in trends]
    locale = i18n.locale_of(language)
    days = tuple(format_date(day, "d MMM", locale=locale) for day in period.dates())
    shaded = frozenset(day for trend in trends for day in trend.spike_days)
    zone = str(getattr(period.tz, "key", period.tz))
    return Chart(
        title=title(names, period.days, language),
        series=tuple(Series(name, trend.counts) for name, trend in zip(names, trends, strict=True)),
        days=days,
        shaded=shaded,
        x_label=t(language, "Date ({zone})", zone=zone),
        y_label=t(language, "Distinct stories"),
        width=width,
        height=height,
    )


def caption(
    trends: Sequence[Trend], period: Period, language: Language, matcher: Matcher | None
) -> str:
    """The photo's caption (HTML): each target's distinct stories in the period, its spikes."""
    shown = _esc(format_duration(period.until - period.since))
    lines = []
    for trend in trends:
        name = f"<b>{_esc(name_of(matcher, trend.target, language))}</b>"
        lines.append(
            tn(
                language,
                "{name}: {n} story in the last {period}",
                "{name}: {n} stories in the last {period}",
                trend.total,
                name=name,
                period=shown,
            )
        )
        if trend.spikes:
            lines.append(
                tn(
                    language,
                    "{n} spike, shaded on the chart",
                    "{n} spikes, shaded on the chart",
                    trend.spikes,
                )
            )
    return "\n".join(lines)
