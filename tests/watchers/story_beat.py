"""A week of the security beat, written for these tests: what the story index has seen before
the cases arrive. A running service always has such a window; the story decision weighs words
by how rare they are in it, so the cases are judged against it as in production.

Events here never repeat a case of the tables: other partners, other cities, other figures.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from marsad.watchers.stories import StoryIndex, StoryItem

PARTNERS = ["فرنسا", "إيطاليا", "البرتغال", "بريطانيا", "السنغال", "مصر", "الأردن", "قطر"]
ROLES = ["سفير", "وزير داخلية", "مدير شرطة", "قائد الحرس الوطني في", "رئيس جهاز الاستخبارات في"]
CITIES = [
    "فاس",
    "مكناس",
    "أكادير",
    "وجدة",
    "مراكش",
    "العيون",
    "بني ملال",
    "القنيطرة",
    "آسفي",
    "تازة",
]
CRIMES = [
    ("ترويج المخدرات والمؤثرات العقلية", "ضبط بحوزتهم كميات من الأقراص المهلوسة"),
    ("النصب والاحتيال عبر الإنترنت", "حجز هواتف محمولة وحواسيب استعملت في العمليات"),
    ("السرقة بالعنف تحت التهديد بالسلاح الأبيض", "استرجاع مسروقات وأسلحة بيضاء"),
]
PORTS = ["الدار البيضاء", "آسفي", "الجرف الأصفر", "العيون"]
GOODS = ["الكوكايين", "الأقراص المهلوسة", "السجائر المهربة", "الحشيش"]
OTHER = [
    (
        "افتتاح المعرض الدولي للكتاب بالرباط بمشاركة دور نشر عربية",
        "انطلقت فعاليات المعرض "
        "بحضور وزير الثقافة وعدد من الكتاب والناشرين من مختلف البلدان العربية والإفريقية.",
    ),
    (
        "ارتفاع أسعار الخضر في أسواق الجملة مع اقتراب فصل الشتاء",
        "سجلت أسواق الجملة ارتفاعا "
        "ملحوظا في أسعار الطماطم والبطاطس بسبب تراجع العرض وارتفاع كلفة النقل.",
    ),
    (
        "المنتخب الوطني يواصل تحضيراته لمباراة الجولة المقبلة",
        "أجرى المنتخب الوطني حصة تدريبية "
        "بالمركب الرياضي تحت إشراف المدرب الوطني استعدادا للمباراة المقبلة في التصفيات.",
    ),
    (
        "نشرة إنذارية: أمطار رعدية قوية بعدد من أقاليم المملكة",
        "أفادت المديرية العامة للأرصاد "
        "الجوية بأن أمطارا رعدية قوية مرتقبة من الخميس إلى السبت بعدد من الأقاليم.",
    ),
]


def beat(until: datetime) -> list[StoryItem]:
    """About 120 items from five outlets over the week before ``until`` (ids from 1000)."""
    texts: list[tuple[str, str]] = []
    for partner in PARTNERS:
        for role in ROLES:
            texts.append((
                f"حموشي يستقبل {role} {partner}",
                "استقبل المدير العام للأمن الوطني ولمراقبة التراب الوطني، عبد اللطيف حموشي، "
                f"بمكتبه بالرباط، {role} {partner} على رأس وفد رفيع، وتناول اللقاء تعزيز التعاون "
                f"الأمني الثنائي بين المغرب و{partner} في مكافحة الإرهاب والجريمة المنظمة.",
            ))  # fmt: skip
    for n, city in enumerate(CITIES):
        for crime, seized in CRIMES[: 1 + n % 3]:
            texts.append((
                f"توقيف {3 + n % 4} أشخاص للاشتباه في تورطهم في {crime} بمدينة {city}",
                f"تمكنت عناصر الشرطة القضائية بمدينة {city} من توقيف {3 + n % 4} أشخاص تتراوح "
                f"أعمارهم بين {18 + n} و{30 + n} سنة، للاشتباه في تورطهم في {crime}، وقد تم "
                f"{seized}، ووضع المشتبه فيهم تحت تدابير الحراسة النظرية.",
            ))  # fmt: skip
    for n, (port, goods) in enumerate((p, g) for p in PORTS for g in GOODS):
        texts.append((
            f"إحباط محاولة تهريب {10 + 7 * n} كيلوغراما من {goods} بميناء {port}",
            f"أحبطت عناصر الأمن الوطني بميناء {port}، بتنسيق مع مصالح الجمارك، محاولة تهريب "
            f"{10 + 7 * n} كيلوغراما من {goods} كانت مخبأة بإحكام داخل سيارة نفعية قادمة من "
            "أوروبا، وتم توقيف السائق وفتح بحث قضائي تحت إشراف النيابة العامة.",
        ))  # fmt: skip
    texts.extend(OTHER * 3)
    step = timedelta(days=7) / (len(texts) + 1)
    return [
        StoryItem(1000 + n, 10 + n % 5, until - step * (len(texts) - n), title, lead)
        for n, (title, lead) in enumerate(texts)
    ]


def beat_index(window: timedelta, until: datetime) -> StoryIndex:
    """A story index holding the beat: each item its own story (numbered by its id)."""
    index = StoryIndex(max(window, timedelta(days=8)))
    for item in beat(until):
        index.add(item, story=item.id)
    return index
