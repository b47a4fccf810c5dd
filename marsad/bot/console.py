"""Alerts on the console: what ``marsad run`` prints when there is no Telegram token."""

from __future__ import annotations

from typing import TextIO

from sqlalchemy import Engine

from marsad.config import Config
from marsad.store.engine import session
from marsad.store.matches import MatchKind, matches_of
from marsad.watchers.poller import PollReport, PollStatus


class ConsoleAlerts:
    """After each poll: one alert per new item that fired a rule; source problems as warnings.

    Backlog items (a source's first poll) and items that fired no rule are never alerted.
    """

    def __init__(self, config: Config, engine: Engine, out: TextIO) -> None:
        self.config = config
        self.engine = engine
        self.out = out

    def report(self, report: PollReport) -> None:
        if report.status in (PollStatus.FAILED, PollStatus.DISABLED):
            print(f"! {report.summary()}", file=self.out, flush=True)
            return
        if report.backlog and report.new_items:
            print(f"· {report.summary()}", file=self.out, flush=True)
            return
        if not report.new_items:
            return
        with session(self.engine) as s:
            matched = matches_of(s, [item.id or 0 for item in report.new_items])
        for item in report.new_items:
            found = matched.get(item.id or 0, {})
            rules = found.get(MatchKind.RULE, [])
            if not rules:
                continue
            entities = found.get(MatchKind.ENTITY, [])
            when = item.published_at.astimezone(self.config.tz).strftime("%Y-%m-%d %H:%M")
            print(
                f"🔔 {when}  {report.source}\n   {item.title}\n   {item.url}\n"
                f"   why: {', '.join(rules)} ({', '.join(entities)})",
                file=self.out,
            )
        self.out.flush()
