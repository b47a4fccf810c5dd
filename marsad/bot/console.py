"""Alerts on the console: what ``marsad run`` prints when there is no Telegram token."""

from __future__ import annotations

from typing import TextIO

from marsad.config import Config
from marsad.watchers.poller import PollReport, PollStatus


class ConsoleAlerts:
    """Prints each new (non-backlog) item as an alert, and source problems as warnings."""

    def __init__(self, config: Config, out: TextIO) -> None:
        self.config = config
        self.out = out

    def report(self, report: PollReport) -> None:
        if report.status in (PollStatus.FAILED, PollStatus.DISABLED):
            print(f"! {report.summary()}", file=self.out, flush=True)
            return
        if report.backlog and report.new_items:
            print(f"· {report.summary()}", file=self.out, flush=True)
            return
        for item in report.new_items:
            when = item.published_at.astimezone(self.config.tz).strftime("%Y-%m-%d %H:%M")
            print(f"🔔 {when}  {report.source}\n   {item.title}\n   {item.url}", file=self.out)
        self.out.flush()
