"""``/status`` (admins only): each source's last poll and error, disabled sources, queue depth,
and the messages given up (how many, and the latest one's chat and reason)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, func, select

from marsad.bot.delivery.outbox import queue_depth
from marsad.bot.handlers.common import Reply, Request, Services, esc
from marsad.bot.handlers.texts import Say, say
from marsad.store.chats import Chat, Subscription
from marsad.store.delivery import OutboxRow, OutboxState
from marsad.store.tables import Source


def _ago(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "—"
    seconds = max(int((now - moment).total_seconds()), 0)
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    if seconds < 172800:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def source_lines(session: Session, configured: set[str], now: datetime) -> list[str]:
    """One line per configured source: state mark, name, last poll, last error or reason."""
    lines = []
    rows = session.exec(select(Source).order_by(col(Source.name))).all()
    for source in rows:
        if source.name not in configured:
            continue
        if source.disabled_reason:
            mark, note = "⛔", f"disabled: {source.disabled_reason}"
        elif source.last_error and source.consecutive_failures:
            mark, note = "⚠️", f"{source.consecutive_failures}× {source.last_error}"
        elif source.last_polled_at is None:
            mark, note = "⏳", "not polled yet"
        else:
            mark, note = "✅", f"{source.items_seen} items"
        polled = _ago(source.last_polled_at, now)
        lines.append(f"{mark} <b>{esc(source.name)}</b> · {polled} · {esc(note[:200])}")
    return lines


def queue_line(session: Session) -> str:
    """Queue depth, chats and subscriptions, paused chats."""
    depth = queue_depth(session)
    chats = session.exec(select(func.count()).select_from(Chat)).one()
    subs = session.exec(select(func.count()).select_from(Subscription)).one()
    return (
        f"queue: {depth.pending} pending, {depth.sending} sending, {depth.failed} failed · "
        f"chats: {chats} ({depth.paused_chats} paused) · subscriptions: {subs}"
    )


def undelivered_line(session: Session) -> str | None:
    """How many outbox rows were given up (FAILED), and the latest one's chat and reason."""
    failed = OutboxRow.state == OutboxState.FAILED.value
    count = session.exec(select(func.count()).select_from(OutboxRow).where(failed)).one()
    if not count:
        return None
    last = session.exec(
        select(OutboxRow)
        .where(failed)
        .order_by(col(OutboxRow.claimed_at).desc().nulls_last(), col(OutboxRow.id).desc())
    ).first()
    assert last is not None
    reason = (last.last_error or "no reason recorded")[:200]
    return f"⚠️ undelivered: {count} · last: {esc(last.kind)} to chat {last.chat_id}: {esc(reason)}"


async def status(services: Services, request: Request) -> Reply:
    now = services.clock()
    configured = {source.name for source in services.config.sources}
    with services.session() as s:
        lines = source_lines(s, configured, now)
        undelivered = undelivered_line(s)
        tail = queue_line(s)
    head = say(request.language, Say.STATUS_HEAD, count=len(lines))
    extra = [undelivered] if undelivered else []
    return Reply.of("\n".join([f"<b>{head}</b>", *lines, "", *extra, tail]))
