"""``/status`` (admins only): each source's last poll and error, disabled sources, queue depth,
and the messages given up (how many, and the latest one's chat and reason)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, func, select

from marsad.bot.delivery.outbox import queue_depth
from marsad.bot.handlers.common import Reply, Request, Services, esc
from marsad.bot.handlers.texts import Say, say
from marsad.bot.i18n import number, t, tn, when
from marsad.store.chats import Chat, Language, Subscription
from marsad.store.delivery import OutboxRow, OutboxState
from marsad.store.tables import ADDED_IN_STORE, Source


def _ago(moment: datetime | None, now: datetime, language: Language) -> str:
    """How long ago, in the largest whole unit: "45s", "12m", "3h", "2d" (in the language)."""
    if moment is None:
        return "—"
    seconds = max(int((now - moment).total_seconds()), 0)
    if seconds < 120:
        return t(language, "{n}s", n=number(language, seconds))
    if seconds < 7200:
        return t(language, "{n}m", n=number(language, seconds // 60))
    if seconds < 172800:
        return t(language, "{n}h", n=number(language, seconds // 3600))
    return t(language, "{n}d", n=number(language, seconds // 86400))


def source_lines(
    session: Session, configured: set[str], now: datetime, language: Language = Language.EN
) -> list[str]:
    """One line per polled source (configured, imported from OPML or added from Telegram; a
    source dropped from the configuration is not shown): state mark, name, last poll, last error
    or reason."""
    lines = []
    rows = session.exec(select(Source).order_by(col(Source.name))).all()
    for source in rows:
        if source.name not in configured and source.origin not in ADDED_IN_STORE:
            continue
        if source.disabled_reason:
            reason = source.disabled_reason[:200]
            mark, note = "⛔", t(language, "disabled: {reason}", reason=reason)
        elif source.last_error and source.consecutive_failures:
            failures = number(language, source.consecutive_failures)
            mark, note = "⚠️", f"{failures}× {source.last_error[:200]}"
        elif source.last_polled_at is None:
            mark, note = "⏳", t(language, "not polled yet")
        else:
            mark, note = "✅", tn(language, "{n} item", "{n} items", source.items_seen)
        polled = _ago(source.last_polled_at, now, language)
        lines.append(f"{mark} <b>{esc(source.name)}</b> · {polled} · {esc(note)}")
    return lines


def queue_line(session: Session, language: Language = Language.EN) -> str:
    """Queue depth, chats and subscriptions, paused chats."""
    depth = queue_depth(session)
    chats = session.exec(select(func.count()).select_from(Chat)).one()
    subs = session.exec(select(func.count()).select_from(Subscription)).one()
    return " · ".join(
        (
            t(
                language,
                "queue: {pending} pending, {sending} sending, {failed} failed",
                pending=number(language, depth.pending),
                sending=number(language, depth.sending),
                failed=number(language, depth.failed),
            ),
            tn(language, "{n} chat", "{n} chats", chats)
            + " "
            + t(language, "({paused} paused)", paused=number(language, depth.paused_chats)),
            tn(language, "{n} subscription", "{n} subscriptions", subs),
        )
    )


def undelivered_line(session: Session, language: Language = Language.EN) -> str | None:
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
    reason = (last.last_error or t(language, "no reason recorded"))[:200]
    return "⚠️ " + t(
        language,
        "undelivered: {count} · last: {kind} to chat {chat}: {reason}",
        count=number(language, count),
        kind=esc(last.kind),
        chat=last.chat_id,
        reason=esc(reason),
    )


async def status(services: Services, request: Request) -> Reply:
    language = request.language
    now = services.clock()
    configured = {source.name for source in services.config.sources}
    with services.session() as s:
        lines = source_lines(s, configured, now, language)
        undelivered = undelivered_line(s, language)
        tail = queue_line(s, language)
    at = esc(when(language, now, services.config.tz))
    head = say(language, Say.STATUS_HEAD, count=number(language, len(lines)), time=at)
    extra = [undelivered] if undelivered else []
    return Reply.of("\n".join([f"<b>{head}</b>", *lines, "", *extra, tail]))
