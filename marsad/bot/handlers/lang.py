"""``/lang [ar|en|fr]``: the language this chat is answered in.

By default a chat speaks the Telegram language of whoever writes to the bot (``fr-*`` French,
``ar-*`` Arabic, anything else English).  ``/lang CODE`` fixes it for the chat: from then on it
stays, whoever writes (``chats.language_chosen``).  ``/lang`` alone shows the current language
and offers the three as buttons (callback data ``lang:1:<code>``).
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from marsad.bot.handlers.common import Reply, Request, Services, esc
from marsad.bot.i18n import t
from marsad.store.chats import Language, get_chat

NAMES: dict[Language, str] = {
    Language.AR: "العربية",
    Language.EN: "English",
    Language.FR: "Français",
}
"""Each language by its own name (an endonym reads the same in every chat)."""

_WORDS: dict[str, Language] = {
    **{language.value: language for language in Language},
    **{name.lower(): language for language, name in NAMES.items()},
    "arabic": Language.AR,
    "english": Language.EN,
    "french": Language.FR,
    "francais": Language.FR,
    "عربية": Language.AR,
}


def choice(text: str) -> Language | None:
    """The language a ``/lang`` argument names (a code such as ``fr`` or ``fr-MA``, or a name)."""
    word = text.strip().lower()
    if word in _WORDS:
        return _WORDS[word]
    code = word.split("-")[0].split("_")[0]
    return _WORDS.get(code) if len(code) == 2 else None


def buttons(current: Language) -> InlineKeyboardMarkup:
    """One button per language, the current one ticked."""
    from marsad.bot.handlers.callbacks import Button, data  # callbacks dispatches to this module

    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    ("✓ " if language is current else "") + NAMES[language],
                    callback_data=data(Button.LANG, 1, language.value),
                )
                for language in Language
            ]
        ]
    )


def choose(services: Services, chat_id: int, language: Language) -> Reply:
    """Keep ``language`` for the chat; the confirmation is written in it."""
    with services.session() as s:
        chat = get_chat(s, chat_id)
        assert chat is not None  # registered by the command wrapper / a button's chat check
        chat.language, chat.language_chosen = language.value, True
        s.add(chat)
        s.commit()
    text = t(language, "This chat's language is now {name}.", name=esc(NAMES[language]))
    return Reply((text,), language=language)


async def lang(services: Services, request: Request) -> Reply:
    current = request.language
    if not request.args.strip():
        head = t(current, "This chat's language: {name}.", name=esc(NAMES[current]))
        hint = t(current, "Choose another with /lang ar, /lang en or /lang fr, or a button:")
        return Reply.of(f"{head}\n{hint}", markup=buttons(current))
    wanted = choice(request.args)
    if wanted is None:
        text = t(
            current,
            "I do not know the language {value}. Choose ar, en or fr.",
            value=esc(request.args.strip()[:40]),
        )
        return Reply.of(text, markup=buttons(current))
    return choose(services, request.chat_id, wanted)


def press(services: Services, chat_id: int, arg: str | None) -> Reply | str:
    """A language button: the chat's language becomes the one pressed."""
    wanted = choice(arg or "")
    if wanted is None:  # callback data of a right shape but no language: not one of ours
        raise ValueError(f"not a language: {arg!r}")
    return choose(services, chat_id, wanted)
