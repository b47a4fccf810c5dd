"""Every text the bot says, in Arabic and English (HTML; placeholders are escaped by callers).

The chat's Telegram language decides which one is used (``Chat.language``).  Arabic replies start
with an Arabic word so Telegram lays the whole message out right-to-left.
"""

from __future__ import annotations

from enum import StrEnum

from marsad.store.chats import Language


class Say(StrEnum):
    """Keys of the bot's messages."""

    HELP = "help"
    WELCOME = "welcome"
    REFUSED = "refused"
    ADMIN_ONLY = "admin_only"
    SUBSCRIBE_USAGE = "subscribe_usage"
    SUBSCRIBED = "subscribed"
    ALREADY = "already"
    BAD_QUERY = "bad_query"
    WOULD_HAVE = "would_have"
    UNSUBSCRIBE_USAGE = "unsubscribe_usage"
    UNSUBSCRIBED = "unsubscribed"
    NO_SUCH = "no_such"
    LIST_EMPTY = "list_empty"
    LIST_HEAD = "list_head"
    MUTED_MARK = "muted_mark"
    RULES_HEAD = "rules_head"
    ENTITIES_HEAD = "entities_head"
    MUTED_UNTIL = "muted_until"
    MUTED_FOREVER = "muted_forever"
    RESUMED = "resumed"
    BAD_DURATION = "bad_duration"
    DIGEST_EMPTY = "digest_empty"
    DIGEST_HEAD = "digest_head"
    DIGEST_NO_SUBS = "digest_no_subs"
    DIGEST_TIME_SET = "digest_time_set"
    DIGEST_OFF = "digest_off"
    DIGEST_USAGE = "digest_usage"
    STATUS_HEAD = "status_head"
    SUB_MUTED = "sub_muted"
    SUB_GONE = "sub_gone"
    SUB_UNMUTED = "sub_unmuted"
    FAILED = "failed"
    WORDS = "words"
    OTHER_SOURCES = "other_sources"
    NO_OTHER_SOURCES = "no_other_sources"
    KIND_RULE = "kind_rule"
    KIND_ENTITY = "kind_entity"
    KIND_QUERY = "kind_query"


_AR: dict[Say, str] = {
    Say.HELP: (
        "<b>مرصد</b> يتابع الأخبار ويرسل تنبيها واحدا لكل خبر يطابق اشتراكاتك، مع روابط مصادره.\n\n"
        "/subscribe <i>استعلام</i> — متابعة قاعدة أو كيان أو استعلام:\n"
        "  <code>/subscribe ma-eu-security-cooperation</code>\n"
        "  <code>/subscribe @hammouchi</code>\n"
        "  <code>/subscribe حموشي AND إسبانيا</code>\n"
        '  <code>/subscribe "تفكيك خلية" NEAR/5 إرهابية</code>\n'
        "/list — اشتراكات هذه المحادثة مرقمة\n"
        "/unsubscribe <i>رقم</i> — إلغاء اشتراك (أو <code>all</code> للكل)\n"
        "/rules — القواعد والكيانات المتاحة\n"
        "/digest [<i>مدة</i>] [<i>استعلام</i>] — ملخص، مثلا <code>/digest 7d</code> أو "
        "<code>/digest 24h المغرب AND إسبانيا</code>\n"
        "/digest time 07:30 — موعد الملخص اليومي؛ <code>/digest off</code> لإيقافه\n"
        "/mute [<i>مدة</i>] — إيقاف التنبيهات مؤقتا (<code>/mute 2h</code>)؛ /resume لاستئنافها\n"
        "/status — حالة المصادر (للمشرفين)\n\n"
        'العوامل: AND و OR و NOT والأقواس و"عبارة" و NEAR/5 و @كيان.'
    ),
    Say.WELCOME: "مرحبا! سُجلت هذه المحادثة.",
    Say.REFUSED: (
        "عذرا، هذا البوت غير متاح لهذه المحادثة. اطلب من المشرف إضافة المعرف "
        "<code>{chat_id}</code>."
    ),
    Say.ADMIN_ONLY: "عذرا، هذا الأمر للمشرفين فقط.",
    Say.SUBSCRIBE_USAGE: (
        "اكتب ما تريد متابعته بعد الأمر، مثلا:\n<code>/subscribe @hammouchi</code>\n"
        "<code>/subscribe حموشي AND إسبانيا</code>\nوالقائمة في /rules"
    ),
    Say.SUBSCRIBED: "تم الاشتراك رقم {number}: {what}",
    Say.ALREADY: "هذا الاشتراك موجود من قبل برقم {number}.",
    Say.BAD_QUERY: "لم أفهم الاستعلام:",
    Say.WOULD_HAVE: "كان سيطابق {count} خبرا في الأيام السبعة الأخيرة.",
    Say.UNSUBSCRIBE_USAGE: "اكتب رقم الاشتراك كما في /list، مثلا <code>/unsubscribe 2</code>، "
    "أو <code>/unsubscribe all</code>.",
    Say.UNSUBSCRIBED: "أُلغي: {what}",
    Say.NO_SUCH: "لا يوجد اشتراك بالرقم {number}؛ انظر /list",
    Say.LIST_EMPTY: "لا اشتراكات بعد. ابدأ بـ /subscribe أو انظر /rules",
    Say.LIST_HEAD: "اشتراكات هذه المحادثة:",
    Say.MUTED_MARK: "(مكتوم)",
    Say.RULES_HEAD: "القواعد (<code>/subscribe المعرف</code>):",
    Say.ENTITIES_HEAD: "الكيانات (<code>/subscribe @المعرف</code>):",
    Say.MUTED_UNTIL: "أُوقفت التنبيهات حتى {until}. /resume لاستئنافها.",
    Say.MUTED_FOREVER: "أُوقفت التنبيهات حتى تكتب /resume",
    Say.RESUMED: "استؤنفت التنبيهات.",
    Say.BAD_DURATION: "مدة غير مفهومة: {value}. اكتب مثلا 30m أو 2h أو 1d.",
    Say.DIGEST_EMPTY: "لا أخبار مطابقة منذ {since}.",
    Say.DIGEST_HEAD: "ملخص منذ {since} ({count} خبر):",
    Say.DIGEST_NO_SUBS: "لا اشتراكات لهذه المحادثة؛ أضف استعلاما: <code>/digest 24h حموشي</code>",
    Say.DIGEST_TIME_SET: "سيصلكم الملخص اليومي الساعة {time}.",
    Say.DIGEST_OFF: "أُوقف الملخص اليومي. <code>/digest time 08:00</code> لإعادته.",
    Say.DIGEST_USAGE: "مثلا: <code>/digest 24h</code> أو <code>/digest time 07:30</code> "
    "أو <code>/digest off</code>",
    Say.STATUS_HEAD: "حالة المصادر ({count}):",
    Say.SUB_MUTED: "كُتم الاشتراك {number}: {what}\nلإعادته أرسل /subscribe بالنص نفسه.",
    Say.SUB_GONE: "هذا الاشتراك لم يعد موجودا.",
    Say.SUB_UNMUTED: "أُعيد تفعيل الاشتراك {number}.",
    Say.WORDS: "كلمات: ",
    Say.FAILED: "عذرا، تعذر تنفيذ الأمر الآن. حاول مرة أخرى بعد قليل.",
    Say.OTHER_SOURCES: "مصادر أخرى لهذا الخبر:",
    Say.NO_OTHER_SOURCES: "لا مصادر أخرى لهذا الخبر بعد.",
    Say.KIND_RULE: "القاعدة",
    Say.KIND_ENTITY: "الكيان",
    Say.KIND_QUERY: "الاستعلام",
}

_EN: dict[Say, str] = {
    Say.HELP: (
        "<b>Marsad</b> watches the news and sends one alert per story matching your "
        "subscriptions, with its sources.\n\n"
        "/subscribe <i>QUERY</i> — follow a rule, an entity or a query:\n"
        "  <code>/subscribe ma-eu-security-cooperation</code>\n"
        "  <code>/subscribe @hammouchi</code>\n"
        "  <code>/subscribe حموشي AND إسبانيا</code>\n"
        '  <code>/subscribe "Hammouchi" NEAR/5 Spain</code>\n'
        "/list — this chat's subscriptions, numbered\n"
        "/unsubscribe <i>N</i> — stop following subscription N (or <code>all</code>)\n"
        "/rules — the rules and entities you can follow\n"
        "/digest [<i>PERIOD</i>] [<i>QUERY</i>] — a digest, e.g. <code>/digest 7d</code> or "
        "<code>/digest 24h @spain</code>\n"
        "/digest time 07:30 — daily digest time; <code>/digest off</code> stops it\n"
        "/mute [<i>DURATION</i>] — pause alerts (<code>/mute 2h</code>); /resume to restart\n"
        "/status — sources and errors (admins)\n\n"
        'Operators: AND, OR, NOT, parentheses, "exact phrase", NEAR/5, @entity.'
    ),
    Say.WELCOME: "Welcome! This chat is registered.",
    Say.REFUSED: (
        "Sorry, this bot is not available in this chat. Ask its administrator to allow "
        "chat id <code>{chat_id}</code>."
    ),
    Say.ADMIN_ONLY: "Sorry, this command is for administrators only.",
    Say.SUBSCRIBE_USAGE: (
        "Write what to follow after the command, e.g.\n<code>/subscribe @hammouchi</code>\n"
        "<code>/subscribe حموشي AND إسبانيا</code>\nSee /rules for the list."
    ),
    Say.SUBSCRIBED: "Subscribed as {number}: {what}",
    Say.ALREADY: "Already subscribed as {number}.",
    Say.BAD_QUERY: "I could not read that query:",
    Say.WOULD_HAVE: "It would have matched {count} stories in the last 7 days.",
    Say.UNSUBSCRIBE_USAGE: "Give the subscription number from /list, e.g. "
    "<code>/unsubscribe 2</code>, or <code>/unsubscribe all</code>.",
    Say.UNSUBSCRIBED: "Removed: {what}",
    Say.NO_SUCH: "No subscription number {number}; see /list",
    Say.LIST_EMPTY: "No subscriptions yet. Start with /subscribe or see /rules",
    Say.LIST_HEAD: "This chat's subscriptions:",
    Say.MUTED_MARK: "(muted)",
    Say.RULES_HEAD: "Rules (<code>/subscribe ID</code>):",
    Say.ENTITIES_HEAD: "Entities (<code>/subscribe @ID</code>):",
    Say.MUTED_UNTIL: "Alerts paused until {until}. /resume to restart them.",
    Say.MUTED_FOREVER: "Alerts paused until you send /resume",
    Say.RESUMED: "Alerts resumed.",
    Say.BAD_DURATION: "I could not read the duration {value}; write e.g. 30m, 2h or 1d.",
    Say.DIGEST_EMPTY: "No matching stories since {since}.",
    Say.DIGEST_HEAD: "Digest since {since} ({count} stories):",
    Say.DIGEST_NO_SUBS: "This chat has no subscriptions; give a query: "
    "<code>/digest 24h @hammouchi</code>",
    Say.DIGEST_TIME_SET: "The daily digest will come at {time}.",
    Say.DIGEST_OFF: "Daily digest stopped. <code>/digest time 08:00</code> brings it back.",
    Say.DIGEST_USAGE: "E.g. <code>/digest 24h</code>, <code>/digest time 07:30</code> or "
    "<code>/digest off</code>",
    Say.STATUS_HEAD: "Sources ({count}):",
    Say.SUB_MUTED: "Muted subscription {number}: {what}\nThe same /subscribe brings it back.",
    Say.SUB_GONE: "That subscription no longer exists.",
    Say.SUB_UNMUTED: "Subscription {number} is active again.",
    Say.WORDS: "words: ",
    Say.FAILED: "Sorry, that did not work just now. Please try again in a moment.",
    Say.OTHER_SOURCES: "Other sources for this story:",
    Say.NO_OTHER_SOURCES: "No other sources for this story yet.",
    Say.KIND_RULE: "rule",
    Say.KIND_ENTITY: "entity",
    Say.KIND_QUERY: "query",
}

_TEXTS = {Language.AR: _AR, Language.EN: _EN}


def say(language: Language, key: Say, **values: object) -> str:
    """The message ``key`` in ``language`` with ``values`` filled in (already escaped)."""
    return _TEXTS[language][key].format(**values)
