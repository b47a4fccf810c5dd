"""Word lists the rule linter needs and no library ships: capitals and nisba family names.

Both are written here in their usual Arabic spelling and folded once (normalise.normalise),
like every other word the matcher compares.
"""

from __future__ import annotations

from marsad.matching.normalise import normalise

# Country (any of its usual names) → its capital.  A capital listed as an alias of its own
# country mostly names the city, or the government only in some sentences (القاهرة تنفي).
# Capitals spelled like their country (الجزائر، تونس، الكويت) are left out: the name is the
# country's own.
_CAPITALS = """
مصر: القاهرة
المغرب، المملكة المغربية: الرباط
ليبيا: طرابلس
موريتانيا: نواكشوط
السودان: الخرطوم
السعودية، المملكة العربية السعودية: الرياض
الإمارات، الإمارات العربية المتحدة: أبوظبي، أبو ظبي
قطر: الدوحة
البحرين: المنامة
عمان، سلطنة عمان: مسقط
اليمن: صنعاء
العراق: بغداد
سوريا، سورية: دمشق
لبنان: بيروت
الأردن: عمان
فلسطين: رام الله
إسرائيل: تل أبيب
تركيا: أنقرة
إيران: طهران
الولايات المتحدة، أمريكا، أميركا: واشنطن
روسيا: موسكو
فرنسا: باريس
إسبانيا: مدريد
بريطانيا، المملكة المتحدة: لندن
ألمانيا: برلين
إيطاليا: روما
البرتغال: لشبونة
بلجيكا: بروكسل
هولندا: أمستردام، لاهاي
الدنمارك: كوبنهاغن، كوبنهاجن
النمسا: فيينا
سويسرا: برن
اليونان: أثينا
بولندا: وارسو
السويد: ستوكهولم
النرويج: أوسلو
أوكرانيا: كييف
الصين: بكين
اليابان: طوكيو
الهند: نيودلهي
باكستان: إسلام آباد
أفغانستان: كابل
مالي: باماكو
النيجر: نيامي
السنغال: داكار
نيجيريا: أبوجا
إثيوبيا: أديس أبابا
الصومال: مقديشو
تشاد: نجامينا
كندا: أوتاوا
"""


def _capitals() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for line in _CAPITALS.strip().splitlines():
        countries, capitals = line.split(":")
        for capital in capitals.split("،"):
            folded = {normalise(country) for country in countries.split("،")}
            out.setdefault(normalise(capital), set()).update(folded)
    return {capital: frozenset(countries) for capital, countries in out.items()}


CAPITALS: dict[str, frozenset[str]] = _capitals()
"""Folded capital → the folded names of its country."""
CAPITAL_OF: dict[str, str] = {
    normalise(capital.strip()): countries.split("،")[0].strip()
    for countries, capitals in (line.split(":") for line in _CAPITALS.strip().splitlines())
    for capital in capitals.split("،")
}
"""Folded capital → its country's name as usually written."""

# Nisbas that are first of all family names: of cities, regions and lineages, rarely used as
# adjectives in the news (a country's nisba, المصري، المغربي, is mostly the adjective and is
# not listed).  Derived from a place, such a word alone names a person (قال الفاسي).
_FAMILY_NAMES = """
الفاسي المكناسي التطواني السلاوي المراكشي الطنجاوي الوجدي الرباطي البيضاوي السوسي الريفي
الدكالي الوزاني الكتاني الإدريسي العلوي الحلبي الحمصي الدمشقي البغدادي البصري الموصلي
التكريتي النجفي الحسيني المنصوري القاسمي الهاشمي التميمي الشامي النابلسي الخليلي الغزاوي
القدسي اليافاوي الصفدي الطرابلسي البيروتي الصيداوي الحوراني الأنصاري القرشي الأزهري
"""

FAMILY_NAMES: frozenset[str] = frozenset(normalise(name) for name in _FAMILY_NAMES.split())
"""Folded nisba family names, written with the article."""
