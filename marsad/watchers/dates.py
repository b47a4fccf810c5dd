"""Publication dates as news sites really write them, to aware UTC datetimes.

ISO 8601 and RFC 822 first; then dates written in Arabic (Maghreb, Egyptian and
Levantine month names, Arabic-Indic digits), French or Spanish, which feedparser
leaves unparsed.  A date without an offset is taken as UTC.  Pure: no clock.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "january jan janvier janv enero ene يناير كانون_الثاني جانفي",
        "february feb février fevrier févr fevr febrero فبراير شباط فيفري",
        "march mar mars marzo مارس آذار اذار",
        "april apr avril abril أبريل ابريل إبريل نيسان أفريل افريل",
        "may mai mayo مايو ماي أيار ايار",
        "june jun juin junio يونيو يونيه حزيران جوان",
        "july jul juillet juil julio يوليو يوليوز تموز جويلية",
        "august aug août aout agosto أغسطس اغسطس غشت آب اب أوت",
        "september sep sept septembre septiembre setiembre سبتمبر شتنبر أيلول ايلول",
        "october oct octobre octubre أكتوبر اكتوبر تشرين_الأول تشرين_الاول",
        "november nov novembre noviembre نوفمبر نونبر تشرين_الثاني",
        "december dec décembre decembre déc diciembre ديسمبر دجنبر كانون_الأول كانون_الاول",
    ],
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name.replace("_", " ")] = _number

# Longest names first so that "كانون الثاني" wins over a shorter overlapping name.
_MONTH_NAMES = "|".join(re.escape(m) for m in sorted(_MONTHS, key=len, reverse=True))
_MONTH_PATTERN = re.compile(rf"(?<!\w)({_MONTH_NAMES})(?!\w)", re.IGNORECASE)
_RFC822 = re.compile(
    r"^(?:[A-Za-z]{3},?\s+)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?"
    r"(?:\s+(?:[+-]\d{4}|[A-Za-z]{1,5}))?$"
)
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_DAY_MONTH_YEAR = re.compile(r"(?<!\d)(\d{1,2})[\s./-]+M(\d{1,2})M[\s.,/-]+(\d{4})(?!\d)")
_MONTH_DAY_YEAR = re.compile(r"M(\d{1,2})M[\s.]+(\d{1,2})(?:st|nd|rd|th)?[\s,]+(\d{4})(?!\d)")
_NUMERIC = re.compile(
    r"(?<!\d)(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})(?!\d)"
    r"|(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?!\d)"
)
# ص / م after a time: morning / evening (also the first letter of صباحا / مساء).
_TIME = re.compile(
    r"(?<!\d)(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(ص|م|am|pm|a\.m\.|p\.m\.)?", re.IGNORECASE
)
_OFFSET = re.compile(r"(?:GMT|UTC|Z)?\s*([+-])(\d{1,2}):?(\d{2})?(?!\d)|\b(GMT|UTC)\b|(?<=\d)Z\b")


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _standard(value: str) -> datetime | None:
    try:
        return _aware(datetime.fromisoformat(value))
    except ValueError:
        pass
    if not _RFC822.match(value):
        return None  # email.utils guesses too freely on other shapes
    try:
        return _aware(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError):
        return None


def _offset(rest: str) -> timezone:
    match = _OFFSET.search(rest)
    if not match or not match.group(1):
        return UTC
    hours, minutes = int(match.group(2)), int(match.group(3) or 0)
    if hours > 14 or minutes > 59:
        return UTC
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if match.group(1) == "-" else delta)


def _local(value: str) -> datetime | None:
    text = value.translate(_DIGITS).replace("،", ",")
    text = _MONTH_PATTERN.sub(lambda m: f" M{_MONTHS[m.group(1).lower()]}M ", text)
    if match := _DAY_MONTH_YEAR.search(text):
        day, month, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
    elif match := _MONTH_DAY_YEAR.search(text):
        month, day, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
    elif match := _NUMERIC.search(text):
        if match.group(1):
            year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
        else:  # day first, as Arabic and European sites write it
            day, month, year = int(match.group(4)), int(match.group(5)), int(match.group(6))
    else:
        return None
    rest = text[: match.start()] + " " + text[match.end() :]
    hour = minute = second = 0
    if clock := _TIME.search(rest):
        hour, minute, second = int(clock.group(1)), int(clock.group(2)), int(clock.group(3) or 0)
        marker = (clock.group(4) or "").lower().replace(".", "")
        if marker in ("م", "pm") and hour < 12:
            hour += 12
        elif marker in ("ص", "am") and hour == 12:
            hour = 0
        rest = rest[clock.end() :]
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=_offset(rest))
    except ValueError:
        return None
    return moment.astimezone(UTC)


def parse_date(value: str | None) -> datetime | None:
    """An aware UTC datetime from a date string in any common form, or None."""
    if not value or not value.strip():
        return None
    value = " ".join(value.split())
    return _standard(value) or _local(value)
