"""The python-telegram-bot application: commands, buttons, daily digests, and ``run_bot``.

In a deployment of several processes, ``run_bot`` does what the process's roles say: answer
commands and queue the daily digests when it leads (``leader.py``: one process at a time), and
send the outbox alongside the other processes' senders.

``base_url`` (``[telegram] base_url``) is handed to PTB as is: PTB appends the token, so a
self-hosted Bot API server is written ``http://127.0.0.1:8081/bot`` (like the default
``https://api.telegram.org/bot``).  The token is never logged: PTB's and httpx's loggers that
print request URLs are kept at WARNING, and a filter masks the token in any log record.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Engine
from telegram import Bot, BotCommand, BotCommandScopeDefault, Update
from telegram.error import InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from marsad import metrics
from marsad.bot.digests import Digest, StoryMembers, StoryOf, item_as_story, items_are_stories
from marsad.bot.handlers import (
    add_source,
    admin_sources,
    callbacks,
    chat_access,
    digest,
    export,
    lang,
    listing,
    migrate,
    mute,
    options,
    replies,
    search,
    start_help,
    status,
    subscribe,
    trend,
)
from marsad.bot.handlers.access import AccessPolicy
from marsad.bot.handlers.common import SERVICES_KEY, Context, Handler, Services, command
from marsad.bot.i18n import t
from marsad.bot.leader import Leadership
from marsad.bot.wiring import utc_now
from marsad.config import Config
from marsad.errors import MarsadError, RuleError
from marsad.matching.engine import Matcher
from marsad.store.chat_access import DecisionCache
from marsad.store.chats import Language, Subscription, query_subscriptions
from marsad.store.engine import session as open_session

log = logging.getLogger(__name__)

DIGEST_TICK_SECONDS = 60.0
"""How often due daily digests are looked for (a digest goes out within a minute of its time)."""


@dataclass(frozen=True)
class CommandSpec:
    """A command: its handler, whether it is for admins, and its menu descriptions."""

    name: str
    handler: Handler
    en: str
    ar: str
    admin: bool = False
    start: bool = False
    changes: bool = False
    """Changes the chat's subscriptions or settings: in a group, only the group's admins may."""


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "start", start_help.start, "Register and show help", "التسجيل والمساعدة", start=True
    ),
    CommandSpec("help", start_help.help_, "How to use Marsad", "طريقة الاستعمال", start=True),
    CommandSpec(
        "subscribe", subscribe.subscribe, "Follow a rule, @entity or query", "متابعة", changes=True
    ),
    CommandSpec(
        "unsubscribe",
        listing.unsubscribe,
        "Stop following N (or all)",
        "إلغاء متابعة",
        changes=True,
    ),
    CommandSpec("list", listing.list_, "This chat's subscriptions", "الاشتراكات"),
    CommandSpec("rules", listing.rules, "Rules and entities to follow", "القواعد والكيانات"),
    CommandSpec("digest", digest.digest, "Digest: [PERIOD] [QUERY]", "ملخص الأخبار"),
    CommandSpec(
        "mute", mute.mute, "Pause alerts [DURATION]", "إيقاف التنبيهات مؤقتا", changes=True
    ),
    CommandSpec("resume", mute.resume, "Resume alerts", "استئناف التنبيهات", changes=True),
    CommandSpec(
        "status", status.status, "Sources and queue (admins)", "الحالة (للمشرفين)", admin=True
    ),
    CommandSpec(
        "options",
        options.options,
        "Options: N severity|sources|lang|mode",
        "الخيارات",
        changes=True,
    ),
    CommandSpec(
        "quiet", options.quiet, "Quiet hours: HH:MM-HH:MM|off", "ساعات الهدوء", changes=True
    ),
    CommandSpec("silent", options.silent, "Silent alerts: on|off", "تنبيهات صامتة", changes=True),
    CommandSpec("lang", lang.lang, "Language: ar, en or fr", "لغة المحادثة", changes=True),
    CommandSpec("search", search.search, "Search the archive: QUERY [PERIOD]", "البحث في الأرشيف"),
    CommandSpec("export", export.export, "Stories as a CSV file: [PERIOD] [QUERY]", "تصدير CSV"),
    CommandSpec(
        "trend",
        trend.trend_command,
        "Chart of stories per day: QUERY [PERIOD]",
        "رسم بياني للأخبار",
    ),
    CommandSpec(
        "sources",
        admin_sources.sources,
        "Sources and their state (admins)",
        "المصادر وحالتها (للمشرفين)",
        admin=True,
    ),
    CommandSpec(
        "addsource",
        add_source.addsource,
        "Add a feed or page: URL [NAME] (admins)",
        "إضافة مصدر (للمشرفين)",
        admin=True,
    ),
    CommandSpec(
        "enable", admin_sources.enable, "Poll a source again (admins)", "تفعيل مصدر", admin=True
    ),
    CommandSpec(
        "disable", admin_sources.disable, "Stop polling a source (admins)", "إيقاف مصدر", admin=True
    ),
    CommandSpec(
        "allow",
        chat_access.allow,
        "Allow a chat: CHAT_ID, or list (admins)",
        "السماح لمحادثة (للمشرفين)",
        admin=True,
    ),
    CommandSpec(
        "deny",
        chat_access.deny,
        "Deny a chat: CHAT_ID (admins)",
        "منع محادثة (للمشرفين)",
        admin=True,
    ),
)


class TokenFilter(logging.Filter):
    """Masks the bot token in every record that passes through a handler."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg = message.replace(self.token, "<token>")
            record.args = None
        return True


@contextlib.contextmanager
def protect_token(token: str) -> Iterator[TokenFilter]:
    """While running: the token masked on the root handlers, URL-logging libraries at WARNING.

    Both are undone on exit, so the process's logging is as it was before the bot ran."""
    mask = TokenFilter(token)
    handlers = list(logging.getLogger().handlers)
    for handler in handlers:
        handler.addFilter(mask)
    quiet = ("httpx", "httpcore", "telegram.Bot", "telegram.ext.ExtBot")
    levels = {name: logging.getLogger(name).level for name in quiet}
    for name in quiet:
        logger = logging.getLogger(name)
        logger.setLevel(max(logger.getEffectiveLevel(), logging.WARNING))
    try:
        yield mask
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        for handler in handlers:
            handler.removeFilter(mask)


def install_subscriptions(engine: Engine, matcher: Matcher) -> int:
    """Load every stored query subscription into the live matcher; returns how many.

    Call before the first poll so new items meet every subscription.  A query the current rule
    files no longer accept (an entity was removed) is logged and left out.
    """
    with open_session(engine) as s:
        return install_subscriptions_of(matcher, query_subscriptions(s))


def install_subscriptions_of(matcher: Matcher, rows: Iterable[Subscription]) -> int:
    """Install query subscriptions in ``matcher``; one the rule files no longer accept is
    logged and left out. Returns how many were installed."""
    count = 0
    for row in rows:
        try:
            subscribe.install(matcher, row)
            count += 1
        except RuleError as error:
            log.warning("subscription %s (%r) no longer valid: %s", row.id, row.target, error)
    return count


def menu(language: Language) -> list[BotCommand]:
    """The command menu in ``language``: the Arabic written beside each command, the French
    from the catalogs (keyed by the English)."""
    if language is Language.AR:
        return [BotCommand(c.name, c.ar) for c in COMMANDS]
    return [BotCommand(c.name, t(language, c.en)) for c in COMMANDS]


async def set_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register the command menu: English by default, Arabic and French for users whose
    Telegram speaks them."""
    bot = application.bot
    scope = BotCommandScopeDefault()
    await bot.set_my_commands(menu(Language.EN), scope=scope)
    for language in (Language.AR, Language.FR):
        await bot.set_my_commands(menu(language), scope=scope, language_code=language.value)


async def _on_error(update: object, context: Context) -> None:
    error = context.error
    if isinstance(error, MarsadError):
        log.error("handler failed: %s", error.show())
    else:
        log.error("handler failed", exc_info=error)


async def _digest_tick(context: Context) -> None:
    svc = context.application.bot_data[SERVICES_KEY]
    assert isinstance(svc, Services)

    async def chart(chat_id: int, built: Digest) -> None:
        await trend.digest_chart(svc, context.bot, chat_id, built)

    try:
        await digest.scheduled_digests(svc, after=chart)
    except Exception:
        log.exception("daily digests failed; retrying at the next tick")


def build_application(
    config: Config,
    engine: Engine,
    matcher: Matcher,
    token: str,
    *,
    clock: Callable[[], datetime] = utc_now,
    story_of: StoryOf = items_are_stories,
    story_members: StoryMembers = item_as_story,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The configured Application with every handler and the daily-digest job."""
    builder = Application.builder().token(token)
    if config.telegram.base_url:
        builder = builder.base_url(config.telegram.base_url)
    application = builder.build()
    application.bot_data[SERVICES_KEY] = Services(
        config=config,
        engine=engine,
        matcher=matcher,
        clock=clock,
        policy=AccessPolicy.from_config(config.telegram, DecisionCache(engine)),
        story_of=story_of,
        story_members=story_members,
    )
    kinds = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST
    for spec in COMMANDS:
        callback = command(spec.handler, admin=spec.admin, start=spec.start, changes=spec.changes)
        application.add_handler(CommandHandler(spec.name, callback, filters=kinds))
    application.add_handler(CallbackQueryHandler(callbacks.on_button))
    replies.register(application)  # unknown commands and free text, after every command
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, migrate.on_migrate))
    application.add_error_handler(_on_error)
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            _digest_tick, interval=DIGEST_TICK_SECONDS, first=1.0, name="daily-digests"
        )
    return application


async def start_application(
    application: Application[Any, Any, Any, Any, Any, Any], poll_timeout: float = 10.0
) -> None:
    """After ``initialize``: register the command menu, start handlers and long polling.

    A menu Telegram refuses (a network hiccup at start) is logged; the bot still runs."""
    try:
        await set_commands(application)
    except TelegramError as error:
        log.warning("could not register the command menu: %s", error)
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=0.0, timeout=int(poll_timeout), allowed_updates=Update.ALL_TYPES
    )


async def stop_application(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Stop polling and the handlers (``shutdown`` follows when the context exits)."""
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()


class Initializable(Protocol):
    """An Application or a Bot: ``initialize`` calls getMe."""

    async def initialize(self) -> None: ...


async def connect(
    application: Initializable,
    stop: asyncio.Event,
    *,
    first_wait: float = 1.0,
    max_wait: float = 60.0,
) -> bool:
    """Initialize the application or bot (``getMe``), retrying while Telegram is unreachable.

    Returns False when ``stop`` was set first.  A token Telegram refuses is not retried: it
    raises MarsadError (naming the variable, never the token).
    """
    wait = first_wait
    while not stop.is_set():
        try:
            await application.initialize()
            return True
        except InvalidToken:
            raise MarsadError("Telegram refused the bot token; check the token variable") from None
        except (NetworkError, TimedOut) as error:
            log.warning("Telegram unreachable (%s); retrying in %.0f s", error, wait)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=wait)
        wait = min(wait * 2, max_wait)
    return False


async def run_bot(
    config: Config,
    engine: Engine,
    matcher: Matcher,
    stop: asyncio.Event,
    *,
    worker_id: str | None = None,
    lease: timedelta | None = None,
    updates: bool = True,
    sending: bool = True,
    clock: Callable[[], datetime] = utc_now,
    story_of: StoryOf = items_are_stories,
    story_members: StoryMembers = item_as_story,
    poll_timeout: float = 10.0,
) -> None:
    """Run the bot until ``stop`` is set: commands, buttons, daily digests and the outbox sender.

    ``updates``: compete to be the one process answering commands and queueing the daily
    digests (always this one on SQLite).  ``sending``: run a sender whose claims carry
    ``worker_id`` (this process's row in ``workers``).  ``lease`` (default ``service.lease``)
    is how long a silent process counts as alive.  ``matcher`` is the service's one live
    matcher, its stored query subscriptions already installed (``wiring.make_matcher``).
    While Telegram is unreachable at start it retries (the watchers keep running meanwhile).
    Raises MarsadError when the token variable is unset or Telegram refuses the token.
    """
    token = config.telegram.token()
    if token is None:
        raise MarsadError(f"no Telegram token in ${config.telegram.token_env}")
    roles = Roles(
        worker_id=worker_id,
        lease=lease if lease is not None else config.service.lease,
        updates=updates,
        sending=sending,
        poll_timeout=poll_timeout,
    )
    with protect_token(token):
        await _run(config, engine, matcher, stop, token, clock, story_of, story_members, roles)


@dataclass(frozen=True)
class Roles:
    """What ``run_bot`` does in this process."""

    worker_id: str | None
    lease: timedelta
    updates: bool
    sending: bool
    poll_timeout: float


async def _run(
    config: Config,
    engine: Engine,
    matcher: Matcher,
    stop: asyncio.Event,
    token: str,
    clock: Callable[[], datetime],
    story_of: StoryOf,
    story_members: StoryMembers,
    roles: Roles,
) -> None:
    from marsad.bot.delivery.sender import Sender, make_bot

    application = None
    if roles.updates:
        application = build_application(
            config,
            engine,
            matcher,
            token,
            clock=clock,
            story_of=story_of,
            story_members=story_members,
        )
        bot: Bot = application.bot
        initializable: Initializable = application
    else:  # sending only: a Bot is enough, no updater or handlers
        bot = make_bot(token, config.telegram.base_url)
        initializable = bot
    if not await connect(initializable, stop):
        return
    tasks: list[asyncio.Task[None]] = []
    done = asyncio.Event()  # set on stop, and also when this task is cancelled
    try:
        if application is not None:
            tasks.append(asyncio.create_task(_answer(application, engine, done, clock, roles)))
        if roles.sending:
            sender = Sender(bot, engine, clock=clock, lease=roles.lease, worker_id=roles.worker_id)
            tasks.append(asyncio.create_task(sender.run(done), name="outbox-sender"))
        await stop.wait()
    finally:
        log.info("stopping the bot")
        done.set()
        if tasks:
            await asyncio.wait(tasks, timeout=30)
        if application is not None:
            await application.shutdown()
        else:
            await bot.shutdown()


async def _answer(
    application: Application[Any, Any, Any, Any, Any, Any],
    engine: Engine,
    stop: asyncio.Event,
    clock: Callable[[], datetime],
    roles: Roles,
) -> None:
    """Answer updates and queue digests while this process leads."""
    leadership = Leadership(
        engine,
        worker_id=roles.worker_id,
        lease=roles.lease,
        poll_timeout=roles.poll_timeout,
        clock=clock,
        on_change=lambda leading: metrics.LEADER.set(1 if leading else 0),
    )

    async def start() -> None:
        await start_application(application, roles.poll_timeout)

    async def step_down() -> None:
        await stop_application(application)

    await leadership.run(stop, start, step_down)
