"""/help: every command a chat can use, grouped (follow, read, settings) in the chat's language;
the admin commands only for the bot's admins; each language's help one Telegram message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from marsad.bot.app import COMMANDS
from marsad.bot.delivery.format import mark_lines
from marsad.bot.handlers.start_help import help_text
from marsad.bot.handlers.texts import Say, say
from marsad.store.chats import Language
from tests.bot.conftest import ADMIN, Bot
from tests.fakebot import MAX_TEXT, html_errors, visible_text

RLM = "\u200f"
COMMAND = re.compile(r"(?<![\w/])/([a-z]+)")
"""A command as a chat shows it: ``/name`` not inside a word (``NEAR/5`` is an operator)."""

EVERYONE = {c.name for c in COMMANDS if not c.admin}
ADMINS_ONLY = {c.name for c in COMMANDS if c.admin}


def named(text: str) -> set[str]:
    return set(COMMAND.findall(visible_text(text)))


def utf16_length(text: str) -> int:
    """The length Telegram limits: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


@pytest.mark.parametrize("language", list(Language))
def test_help_names_every_registered_command_and_no_other(language: Language) -> None:
    assert named(help_text(language, admin=True)) == EVERYONE | ADMINS_ONLY
    assert named(help_text(language, admin=False)) == EVERYONE


@pytest.mark.parametrize("language", list(Language))
def test_each_group_holds_its_commands_in_every_language(language: Language) -> None:
    intro, follow, read, settings, operators, admin = help_text(language, admin=True).split("\n\n")
    assert named(intro) == set() and named(operators) == set()
    assert named(follow) == {"subscribe", "list", "unsubscribe", "rules"}
    assert named(read) == {"digest", "search", "export", "trend"}
    assert named(settings) == {
        "options", "quiet", "silent", "digest", "mute", "resume", "lang", "help", "start",
    }  # fmt: skip
    assert named(admin) == ADMINS_ONLY
    # every group opens with its heading in bold, then one line a command (and examples)
    for group in (follow, read, settings, admin):
        assert re.match(r"<b>[^<]+</b>", group), group
        assert all(line.startswith(("/", "  <code>/")) for line in group.split("\n")[1:])


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("admin", [False, True])
def test_start_with_the_whole_help_is_one_telegram_message(language: Language, admin: bool) -> None:
    """/start says the welcome and the help: the longest of the two, checked as Telegram
    would (HTML parsed, length in UTF-16 after entities, with the direction marks)."""
    text = mark_lines(
        say(language, Say.WELCOME) + "\n\n" + help_text(language, admin=admin), language
    )
    assert html_errors(text) is None
    assert utf16_length(visible_text(text)) <= MAX_TEXT


async def test_help_through_telegram_shows_admins_their_commands_and_others_not(
    bot: Bot,
) -> None:
    server = bot.server
    # a user in an Arabic private chat: the three groups in Arabic, every line right to left
    [arabic] = await bot.say(7101, "/help", language_code="ar-MA")
    assert arabic.startswith("مرصد يتابع الأخبار")
    assert named(arabic) == EVERYONE
    for heading in ("المتابعة", "القراءة", "الإعدادات (في المجموعة: لمشرفيها)"):
        assert f"\n{heading}\n" in arabic
    assert "/options [رقم] — خيارات الاشتراك بهذا الرقم" in arabic
    assert "/search طلب [مدة] — البحث في الأرشيف" in arabic
    assert "مشرفو البوت" not in arabic
    raw = server.texts(7101)[-1]
    assert all(line.startswith(RLM) for line in raw.split("\n") if line)

    # the bot's admin in their private chat: the same, then the admin commands
    [english] = await bot.say(ADMIN, "/help", language_code="en")
    assert english.startswith("Marsad watches the news")
    assert named(english) == EVERYONE | ADMINS_ONLY
    assert english.endswith(
        "Bot admins\n"
        "/status — sources, queue and undelivered messages\n"
        "/sources [PAGE] — every source and its state, ten to a page\n"
        "/addsource URL [NAME] — preview a feed or page, then add it\n"
        "/enable NAME — poll a source again\n"
        "/disable NAME — stop polling a source\n"
        "/allow [CHAT_ID] — let a chat use the bot; alone, list the decisions\n"
        "/deny CHAT_ID — refuse a chat's commands and alerts"
    )
    assert RLM not in server.texts(ADMIN)[-1]

    # in a French group, a member sees the chat's commands; the bot's admin also sees theirs
    group = -100777
    [member] = await bot.say(group, "/start", user_id=7102, language_code="fr")
    assert member.startswith("Bienvenue ! Cette conversation est enregistrée.\n\nMarsad suit")
    assert "\nRéglages (dans un groupe, ses administrateurs)\n" in member
    assert "/quiet HH:MM-HH:MM|off — heures calmes" in member
    assert named(member) == EVERYONE
    [admin] = await bot.say(group, "/help", user_id=ADMIN, language_code="fr")
    assert named(admin) == EVERYONE | ADMINS_ONLY
    assert "\nAdministrateurs du bot\n/status — sources" in admin


def test_the_command_reference_in_the_docs_lists_every_command_in_both_languages() -> None:
    """docs/telegram.md's command reference has an English and an Arabic table; each names
    exactly the registered commands, first column."""
    docs = Path(__file__).parents[2] / "docs" / "telegram.md"
    section = docs.read_text(encoding="utf-8").split("## Command reference")[1].split("\n## ")[0]
    tables = [block for block in section.split("\n\n") if block.startswith("| ")]
    assert [block.split("\n")[0].split(" | ")[0] for block in tables] == ["| Command", "| الأمر"]
    for table in tables:
        rows = table.strip().split("\n")[2:]
        assert {re.findall(r"^\| `/([a-z]+)`", row)[0] for row in rows} == EVERYONE | ADMINS_ONLY
