"""``marsad spikes``: the spikes found in a period, newest first, with the stories behind them."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timedelta, tzinfo

from marsad.bot.wiring import load_and_warn, open_configured_store, utc_now
from marsad.config import Config
from marsad.errors import RuleError
from marsad.store.engine import session
from marsad.store.spike_stories import SpikeStory, spike_stories
from marsad.store.spikes import Spike, SpikeTarget, SpikeWindow, spikes_between
from marsad.units import parse_duration

HELP = "list past spikes: entities and rules whose stories jumped in 1, 3 or 6 hours or a day"
DESCRIPTION = """\
List the spikes found in the last period (--since, default 7d), newest first: when (the window,
in the configured time zone), what spiked (an @entity or a rule, with its title), the window
(an hour, 3 or 6 hours, or a day), the number of distinct stories against the usual number
for that time (the baseline), the tail probability p of so many under the usual coverage, and
the stories behind it, with their links. Spikes are found by `marsad run` (its watcher role),
for the 1, 3 and 6 hours ending at each hour and for each day, once they have ended;
[spikes] in the configuration sets the thresholds (docs/spikes.md).

Examples:
  marsad spikes
  marsad spikes --since 30d
  marsad spikes --json"""


def _duration(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--since", type=_duration, default=timedelta(days=7), metavar="PERIOD",
        help='how far back (default "7d"; e.g. "24h", "30d")',
    )  # fmt: skip
    parser.add_argument(
        "--json",
        action="store_true",
        help='one JSON object per spike: {"spike", "target_kind", "target", "title", "window", '
        '"start", "end", "count", "baseline", "p", "detected_at", "stories": [{"title", "url", '
        '"outlets"}]}',
    )


def titles(config: Config) -> dict[tuple[str, str], str]:
    """Each entity's and rule's title (in the rule files' first language); none when the rule
    files cannot be read (the spikes are listed by id all the same)."""
    from marsad.matching.rulefile import load_rules

    try:
        ruleset = load_rules(list(config.rules))
    except RuleError:
        return {}
    found = {(SpikeTarget.ENTITY.value, e.id): e.title_in("") for e in ruleset.entities}
    found.update({(SpikeTarget.RULE.value, r.id): r.title_in("") for r in ruleset.rules})
    return found


def target_text(spike: Spike) -> str:
    """``@hammouchi`` for an entity, ``rule ma-es-security`` for a rule."""
    if spike.target_kind == SpikeTarget.ENTITY.value:
        return f"@{spike.target}"
    return f"rule {spike.target}"


SPANS = {
    SpikeWindow.HOUR.value: "hour",
    SpikeWindow.HOURS_3.value: "3 hours",
    SpikeWindow.HOURS_6.value: "6 hours",
    SpikeWindow.DAY.value: "day",
}
"""What a window is called in ``N stories in the …``."""


def window_text(spike: Spike, tz: tzinfo) -> str:
    """``2026-11-22 10:00–11:00 +01 (hour)`` for 1, 3 or 6 hours (``3h``, ``6h``),
    ``2026-11-22 (day, +01)`` for a day."""
    start, end = spike.window_start.astimezone(tz), spike.window_end.astimezone(tz)
    if spike.window == SpikeWindow.DAY.value:
        return f"{start:%Y-%m-%d} (day, {start:%Z})"
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M} {end:%Z} ({spike.window})"


def spike_json(
    spike: Spike, title: str | None, stories: list[SpikeStory], tz: tzinfo
) -> dict[str, object]:
    def moment(value: datetime) -> str:
        return value.astimezone(tz).isoformat()

    return {
        "spike": spike.id,
        "target_kind": spike.target_kind,
        "target": spike.target,
        "title": title,
        "window": spike.window,
        "start": moment(spike.window_start),
        "end": moment(spike.window_end),
        "count": spike.count,
        "baseline": round(spike.baseline, 3),
        "p": spike.p_value,
        "detected_at": moment(spike.detected_at),
        "stories": [{"title": s.title, "url": s.url, "outlets": s.outlets} for s in stories],
    }


def run(args: argparse.Namespace) -> int:
    config = load_and_warn(args.config)
    engine = open_configured_store(config)
    now = utc_now()
    try:
        with session(engine) as s:
            found = [
                (spike, spike_stories(s, spike.story_ids))
                for spike in reversed(spikes_between(s, now - args.since, now))
            ]
    finally:
        engine.dispose()
    names = titles(config) if found else {}
    tz = config.tz
    for spike, stories in found:
        title = names.get((spike.target_kind, spike.target))
        if args.json:
            print(json.dumps(spike_json(spike, title, stories, tz), ensure_ascii=False))
            continue
        named = f"{target_text(spike)} — {title}" if title else target_text(spike)
        print(f"#{spike.id}  {window_text(spike, tz)}  {named}")
        print(
            f"    {spike.count} stories in the {SPANS.get(spike.window, spike.window)} "
            f"vs ~{spike.baseline:.1f} usual, "
            f"p={spike.p_value:.1e}"
        )
        for story in stories:
            print(f"    - {story.title}  {story.url}")
    if not args.json and not found:
        print("no spikes in that period")
    return 0
