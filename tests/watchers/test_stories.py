"""Story clustering on own-written Arabic pairs: one event told twice is one story, two events
told alike are two."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marsad.watchers.stories import (
    Reason,
    StoryIndex,
    StoryItem,
    Veto,
    fingerprint,
)
from tests.watchers.story_beat import beat_index

T0 = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
WINDOW = timedelta(hours=72)


@dataclass(frozen=True)
class Report:
    title: str
    lead: str
    entities: frozenset[str] | None = None


def ents(*ids: str) -> frozenset[str]:
    return frozenset(ids)


# --- one event, two outlets -------------------------------------------------------------------

BELGIUM_A = Report(
    "حموشي يستقبل المفوض العام للشرطة الفيدرالية البلجيكية لبحث تعزيز التعاون الأمني",
    "استقبل المدير العام للأمن الوطني ولمراقبة التراب الوطني، عبد اللطيف حموشي، اليوم الثلاثاء "
    "بالرباط، المفوض العام للشرطة الفيدرالية البلجيكية الذي يقوم بزيارة عمل إلى المملكة على رأس "
    "وفد أمني رفيع المستوى. وتناول اللقاء سبل تعزيز التعاون الثنائي في مجال مكافحة الإرهاب "
    "وتهريب المخدرات وتبادل المعلومات العملياتية بين مصالح البلدين.",
)
BELGIUM_REWRITE = Report(
    "تعاون أمني مغربي بلجيكي.. حموشي يلتقي المفوض العام للشرطة الفيدرالية",
    "أجرى عبد اللطيف حموشي، المدير العام للأمن الوطني ولمراقبة التراب الوطني، الثلاثاء بالرباط "
    "مباحثات مع المفوض العام للشرطة الفيدرالية البلجيكية، الذي يزور المملكة على رأس وفد أمني "
    "رفيع المستوى، همت سبل تعزيز التعاون الثنائي في مكافحة الإرهاب وتهريب المخدرات وتبادل "
    "المعلومات بين مصالح البلدين.",
)
BELGIUM_REORDERED = Report(
    "حموشي والمفوض العام للشرطة البلجيكية يبحثان تعزيز التعاون الأمني",
    "تناول اللقاء سبل تعزيز التعاون الثنائي في مجال مكافحة الإرهاب وتهريب المخدرات وتبادل "
    "المعلومات العملياتية بين مصالح البلدين. وكان المدير العام للأمن الوطني ولمراقبة التراب "
    "الوطني، عبد اللطيف حموشي، قد استقبل اليوم الثلاثاء بالرباط المفوض العام للشرطة الفيدرالية "
    "البلجيكية الذي يقوم بزيارة عمل إلى المملكة على رأس وفد أمني رفيع المستوى.",
)
BELGIUM_LONGER = Report(
    BELGIUM_A.title,
    BELGIUM_A.lead + " وأكد الجانبان عزمهما على تطوير آليات التنسيق الميداني وتنظيم دورات تكوينية "
    "مشتركة لفائدة أطر الشرطة، كما زار الوفد البلجيكي عددا من المصالح المركزية للمديرية العامة.",
)
BELGIUM_SHORT = Report(
    "حموشي يستقبل المفوض العام للشرطة الفيدرالية البلجيكية",
    "استقبل المدير العام للأمن الوطني ولمراقبة التراب الوطني، عبد اللطيف حموشي، اليوم الثلاثاء "
    "بالرباط، المفوض العام للشرطة الفيدرالية البلجيكية الذي يقوم بزيارة عمل إلى المملكة.",
)
BELGIUM_TYPOS = Report(
    "حمموشي يستقبل المفوض العام للشرطة الفدرالية البلجيكية لبحث تعزيز التعاون الامني",
    "استقبل المدير العام للامن الوطني ولمراقبة التراب الوطني، عبد اللطيف حموشى، اليوم الثلاثاء "
    "بالرباط، المفوض العام للشرطة الفيدرالية البلجيكيه الذي يقوم بزياره عمل الى المملكة على رأس "
    "وفد أمني رفيع المستوي. وتناول اللقاء سبل تعزيز التعوان الثنائي في مجال مكافحة الارهاب "
    "وتهريب المخدرات وتبادل المعلومات العملياتية بين مصالح البلدين.",
)
BELGIUM_DIACRITICS = Report(
    "حَمُّوشِي يَسْتَقْبِلُ المُفَوَّضَ العَامَّ لِلشُّرْطَةِ الفِيدِرَالِيَّةِ البَلْجِيكِيَّةِ لِبَحْثِ تَعْزِيزِ التَّعَاوُنِ الأَمْنِيِّ",
    "اِسْتَقْبَلَ المُدِيرُ العَامُّ لِلْأَمْنِ الوَطَنِيِّ وَلِمُرَاقَبَةِ التُّرَابِ الوَطَنِيِّ، عَبْدُ اللَّطِيفِ "
    "حَمُّوشِي، اليَوْمَ الثُّلَاثَاءَ بِالرِّبَاطِ، المُفَوَّضَ العَامَّ لِلشُّرْطَةِ الفِيدِرَالِيَّةِ البَلْجِيكِيَّةِ "
    "الَّذِي يَقُومُ بِزِيَارَةِ عَمَلٍ إِلَى المَمْلَكَةِ عَلَى رَأْسِ وَفْدٍ أَمْنِيٍّ رَفِيعِ المُسْتَوَى. وَتَنَاوَلَ "
    "اللِّقَاءُ سُبُلَ تَعْزِيزِ التَّعَاوُنِ الثُّنَائِيِّ فِي مَجَالِ مُكَافَحَةِ الإِرْهَابِ وَتَهْرِيبِ المُخَدِّرَاتِ "
    "وَتَبَادُلِ المَعْلُومَاتِ العَمَلِيَّاتِيَّةِ بَيْنَ مَصَالِحِ البَلَدَيْنِ.",
)
BELGIUM_OTHER_TITLE = Report(
    "الرباط وبروكسل توحدان الجهود في مواجهة شبكات التهريب",
    BELGIUM_A.lead,
)

CELL_A = Report(
    "تفكيك خلية إرهابية موالية لداعش تنشط بين طنجة وتطوان بتنسيق مع الاستخبارات الإسبانية",
    "تمكن المكتب المركزي للأبحاث القضائية، بناء على معلومات دقيقة وفرتها المديرية العامة "
    "لمراقبة التراب الوطني، من تفكيك خلية إرهابية تتكون من أربعة عناصر موالين لتنظيم داعش، "
    "ينشطون بمدينتي طنجة وتطوان، وذلك في إطار عملية مشتركة مع مصالح الأمن الإسبانية أسفرت عن "
    "توقيف عنصر خامس بمدينة سبتة.",
)
CELL_REWRITE = Report(
    "عملية مغربية إسبانية مشتركة تطيح بخلية داعشية في طنجة وتطوان",
    "أطاح المكتب المركزي للأبحاث القضائية بخلية إرهابية من أربعة عناصر موالين لتنظيم داعش "
    "تنشط بمدينتي طنجة وتطوان، بناء على معلومات وفرتها المديرية العامة لمراقبة التراب الوطني، "
    "في عملية مشتركة مع مصالح الأمن الإسبانية انتهت بتوقيف عنصر خامس بسبتة.",
)

# A loose rewrite that shares little wording: only the entities named in both tie it to CELL_A.
CELL_LOOSE = Report(
    "الرباط ومدريد تجهضان مخططا إرهابيا لأنصار داعش في شمال المملكة",
    "كشفت مصادر أمنية أن أربعة عناصر موالين لتنظيم داعش سقطوا في قبضة المكتب المركزي للأبحاث "
    "القضائية بطنجة وتطوان، بعد تعقب دام أسابيع شاركت فيه مديرية مراقبة التراب الوطني "
    "ونظيرتها الإسبانية، فيما تم توقيف عنصر خامس بمدينة سبتة.",
)
CELL_ENTITIES = ents("bcij", "dgst", "spain", "isis", "terrorism")

# A news agency's wire, reprinted by an outlet under the agency's dateline and sign-off.
BELGIUM_WIRE = Report(
    "المغرب وبلجيكا يبحثان تعزيز التعاون الأمني",
    "الرباط (ومع) - " + BELGIUM_A.lead + " (ومع).",
)
# The next day, a new development about the same cell: another story.
CELL_FOLLOW_UP = Report(
    "إحالة أعضاء الخلية الإرهابية الموالية لداعش على الوكيل العام بالرباط",
    "أحال المكتب المركزي للأبحاث القضائية، صباح اليوم، العناصر الأربعة الموالين لتنظيم داعش الذين "
    "أوقفوا بطنجة وتطوان على الوكيل العام للملك المكلف بقضايا الإرهاب بالرباط، بعد انتهاء فترة "
    "الحراسة النظرية، فيما تواصل السلطات الإسبانية التحقيق مع العنصر الخامس الموقوف بسبتة.",
)

SAME = [
    pytest.param(BELGIUM_A, BELGIUM_REWRITE, id="rewrite-by-another-outlet"),
    pytest.param(BELGIUM_A, BELGIUM_REORDERED, id="sentences-reordered"),
    pytest.param(BELGIUM_A, BELGIUM_LONGER, id="paragraph-added"),
    pytest.param(BELGIUM_LONGER, BELGIUM_SHORT, id="short-summary-of-long-lead"),
    pytest.param(BELGIUM_A, BELGIUM_TYPOS, id="typos-and-hamza"),
    pytest.param(BELGIUM_A, BELGIUM_DIACRITICS, id="full-diacritics"),
    pytest.param(BELGIUM_A, BELGIUM_OTHER_TITLE, id="other-title-same-body"),
    pytest.param(BELGIUM_A, BELGIUM_WIRE, id="wire-copy-with-a-dateline"),
    pytest.param(CELL_A, CELL_REWRITE, id="operation-rewrite"),
    pytest.param(
        Report(CELL_A.title, CELL_A.lead, CELL_ENTITIES),
        Report(CELL_LOOSE.title, CELL_LOOSE.lead, CELL_ENTITIES),
        id="loose-rewrite-same-entities",
    ),
    pytest.param(
        Report(CELL_A.title, CELL_A.lead, CELL_ENTITIES),
        Report(CELL_REWRITE.title, CELL_REWRITE.lead, CELL_ENTITIES - {"isis"}),
        id="rewrite-naming-fewer-entities",
    ),
]

# --- two events told alike ---------------------------------------------------------------------


def meeting(partner: str, nisba: str, day: str) -> Report:
    return Report(
        f"حموشي يستقبل سفير {partner} بالرباط لبحث التعاون الأمني",
        f"استقبل المدير العام للأمن الوطني ولمراقبة التراب الوطني، عبد اللطيف حموشي، يوم {day} "
        f"بمقر المديرية العامة بالرباط، سفير {partner} المعتمد بالمملكة، حيث تناول اللقاء سبل "
        f"تعزيز التعاون الأمني المغربي ال{nisba} في مجال مكافحة الإرهاب والجريمة المنظمة.",
    )


GERMANY_TUE = meeting("ألمانيا", "ألماني", "الثلاثاء")
NETHERLANDS_TUE = meeting("هولندا", "هولندي", "الثلاثاء")
GERMANY_THU = meeting("ألمانيا", "ألماني", "الخميس")


def seizure(tons: str, port: str) -> Report:
    return Report(
        f"حجز {tons} أطنان من مخدر الشيرا بميناء {port} المتوسط",
        f"تمكنت عناصر الأمن الوطني بميناء {port} المتوسط، بتنسيق مع مصالح الجمارك، من إحباط محاولة "
        f"تهريب {tons} أطنان من مخدر الشيرا كانت مخبأة داخل شاحنة للنقل الدولي متجهة إلى أوروبا، "
        "وتم توقيف السائق ووضعه تحت تدابير الحراسة النظرية.",
    )


def bus_crash(town: str, dead: str) -> Report:
    return Report(
        f"مصرع {dead} أشخاص في انقلاب حافلة لنقل المسافرين بإقليم {town}",
        f"لقي {dead} أشخاص مصرعهم وأصيب آخرون بجروح متفاوتة الخطورة، إثر انقلاب حافلة لنقل "
        f"المسافرين على الطريق الوطنية بإقليم {town}، وقد نقل المصابون إلى المستشفى الإقليمي "
        "لتلقي العلاجات الضرورية، فيما فتحت السلطات المختصة تحقيقا لتحديد ملابسات الحادث.",
    )


MADRID_VISIT = Report(
    "حموشي يحل بمدريد في زيارة عمل لتعزيز الشراكة الأمنية مع إسبانيا",
    "حل المدير العام للأمن الوطني ولمراقبة التراب الوطني، عبد اللطيف حموشي، بالعاصمة الإسبانية "
    "مدريد في زيارة عمل تلبية لدعوة من المدير العام للشرطة الوطنية الإسبانية، تتضمن اجتماعات "
    "ثنائية حول مكافحة الإرهاب والهجرة غير النظامية.",
    ents("hammouchi", "dgsn", "spain", "cooperation"),
)
GUARDIA_IN_RABAT = Report(
    "حموشي يستقبل مسؤول الاستعلامات بالحرس المدني الإسباني بالرباط",
    "استقبل المدير العام للأمن الوطني ولمراقبة التراب الوطني، عبد اللطيف حموشي، بمكتبه بالرباط "
    "المسؤول عن جهاز الاستعلامات بالحرس المدني الإسباني، في أول زيارة خارجية له بعد تعيينه، "
    "وتناول اللقاء تعزيز التعاون الأمني الثنائي في مكافحة الإرهاب.",
    ents("hammouchi", "dgsn", "spain", "guardia-civil", "cooperation"),
)
DENMARK_IN_RABAT = Report(
    "حموشي يستقبل مدير الشرطة الدنماركية بالرباط لتعزيز التعاون الأمني",
    "استقبل المدير العام للأمن الوطني ولمراقبة التراب الوطني، عبد اللطيف حموشي، بمكتبه بالرباط "
    "مدير الشرطة الدنماركية ورئيس وحدة مكافحة الجريمة المنظمة، وتناول اللقاء تعزيز التعاون "
    "الأمني الثنائي في مكافحة الإرهاب والجريمة المنظمة.",
    ents("hammouchi", "dgsn", "denmark", "cooperation"),
)
ARRESTS_TANGIER = Report(
    "توقيف ثلاثة أشخاص للاشتباه في تورطهم في الاتجار بالبشر بطنجة",
    "تمكنت عناصر الشرطة القضائية بمدينة طنجة، مساء الأحد، من توقيف ثلاثة أشخاص تتراوح أعمارهم "
    "بين 24 و31 سنة، للاشتباه في تورطهم في تنظيم الهجرة غير الشرعية والاتجار بالبشر.",
)
ARRESTS_NADOR = Report(
    "توقيف أربعة أشخاص للاشتباه في تورطهم في تنظيم الهجرة غير الشرعية بالناظور",
    "تمكنت عناصر الشرطة القضائية بمدينة الناظور، مساء الأحد، من توقيف أربعة أشخاص تتراوح أعمارهم "
    "بين 19 و40 سنة، للاشتباه في تورطهم في تنظيم الهجرة غير الشرعية والاتجار بالبشر.",
)

DIFFERENT = [
    pytest.param(
        GERMANY_TUE, NETHERLANDS_TUE, timedelta(hours=3), id="same-template-other-partner"
    ),
    pytest.param(GERMANY_TUE, GERMANY_THU, timedelta(hours=48), id="same-partner-other-day"),
    pytest.param(
        seizure("ثلاثة", "طنجة"), seizure("خمسة", "طنجة"), timedelta(hours=5), id="other-quantity"
    ),
    pytest.param(
        seizure("3", "طنجة"), seizure("7", "طنجة"), timedelta(hours=5), id="other-figures"
    ),
    pytest.param(
        seizure("ثلاثة", "طنجة"), seizure("ثلاثة", "الناظور"), timedelta(hours=5), id="other-port"
    ),
    pytest.param(MADRID_VISIT, GUARDIA_IN_RABAT, timedelta(hours=20), id="same-official-spain"),
    pytest.param(GUARDIA_IN_RABAT, DENMARK_IN_RABAT, timedelta(hours=6), id="other-partner-ents"),
    pytest.param(ARRESTS_TANGIER, ARRESTS_NADOR, timedelta(hours=1), id="same-day-other-city"),
    pytest.param(
        bus_crash("تارودانت", "أربعة"),
        bus_crash("ورزازات", "أربعة"),
        timedelta(hours=4),
        id="one-incident-type-two-towns",
    ),
    pytest.param(BELGIUM_A, CELL_A, timedelta(hours=1), id="unrelated"),
    pytest.param(
        CELL_A,
        CELL_FOLLOW_UP,
        timedelta(hours=26),
        id="next-day-follow-up",
        marks=pytest.mark.xfail(
            strict=True,
            reason="known limit (docs/stories.md): a next-day development that repeats the "
            "event's names and places outweighs the time apart; nothing in the wording marks "
            "the new development as new",
        ),
    ),
]


def item(number: int, report: Report, *, source: int, at: datetime = T0) -> StoryItem:
    return StoryItem(
        id=number,
        source=source,
        published=at,
        title=report.title,
        lead=report.lead,
        canonical_url=f"https://outlet{source}.example/{number}",
        entities=report.entities,
    )


def stories_of(*items: StoryItem) -> list[int]:
    """Run items through an index holding a week of the beat; each new story is numbered by
    its first item (a number of the beat's, 1000 and up, means a false merge with it)."""
    index = beat_index(WINDOW, T0)
    return [index.assign(it, new_story=it.id).story or it.id for it in items]


@pytest.mark.parametrize(("first", "second"), SAME)
def test_one_event_told_by_two_outlets_is_one_story(first: Report, second: Report) -> None:
    a = item(1, first, source=1)
    b = item(2, second, source=2, at=T0 + timedelta(hours=2))
    assert stories_of(a, b) == [1, 1]
    assert stories_of(b, a) == [2, 2], "the order of arrival does not matter"


@pytest.mark.parametrize(("first", "second", "gap"), DIFFERENT)
def test_two_events_told_alike_are_two_stories(
    first: Report, second: Report, gap: timedelta
) -> None:
    a = item(1, first, source=1)
    b = item(2, second, source=2, at=T0 + gap)
    assert stories_of(a, b) == [1, 2]
    assert stories_of(b, a) == [2, 1]


@pytest.mark.parametrize(
    ("first", "second", "gap", "veto"),
    [
        (GERMANY_TUE, NETHERLANDS_TUE, 3, Veto.TITLE_SLOT),
        (GERMANY_TUE, GERMANY_THU, 48, Veto.WEEKDAY),
        (seizure("3", "طنجة"), seizure("7", "طنجة"), 5, Veto.NUMBERS),
        (GUARDIA_IN_RABAT, DENMARK_IN_RABAT, 6, Veto.ENTITIES),
        (bus_crash("تارودانت", "أربعة"), bus_crash("ورزازات", "أربعة"), 4, Veto.TITLE_SLOT),
    ],
)
def test_the_detail_that_tells_two_events_apart_is_named(
    first: Report, second: Report, gap: int, veto: Veto
) -> None:
    index = beat_index(WINDOW, T0)
    index.add(item(1, first, source=1), story=1)
    verdict = index.judge(item(2, second, source=2, at=T0 + timedelta(hours=gap)), 1)
    assert (verdict.same, verdict.veto) == (False, veto)


PARTNERS = ["فرنسا", "إيطاليا", "البرتغال", "بريطانيا", "السنغال", "مصر", "الأردن", "قطر"]
ROLES = ["سفير", "وزير داخلية", "مدير شرطة", "قائد الحرس الوطني في", "رئيس جهاز الاستخبارات في"]


def background() -> list[StoryItem]:
    """A week of the beat: the same official receiving one partner after another."""
    items = []
    for n, (partner, role) in enumerate((p, r) for p in PARTNERS for r in ROLES):
        items.append(
            StoryItem(
                1000 + n,
                7,
                T0 - timedelta(hours=n),
                f"حموشي يستقبل {role} {partner}",
                "استقبل المدير العام للأمن الوطني ولمراقبة التراب الوطني، عبد اللطيف حموشي، "
                f"بمكتبه بالرباط، {role} {partner} على رأس وفد رفيع، وتناول اللقاء تعزيز التعاون "
                f"الأمني الثنائي بين المغرب و{partner} في مكافحة الإرهاب والجريمة المنظمة.",
            )
        )
    return items


def test_with_history_the_officials_boilerplate_does_not_make_two_visits_one() -> None:
    """Without entities, two visits share the official's title and the usual phrases; once the
    index has seen that wording in many items it no longer counts as evidence."""
    index = StoryIndex(WINDOW)
    for old in background():
        index.add(old, story=old.id)
    guardia = item(1, Report(GUARDIA_IN_RABAT.title, GUARDIA_IN_RABAT.lead), source=1)
    denmark = item(2, Report(DENMARK_IN_RABAT.title, DENMARK_IN_RABAT.lead), source=2)
    belgium = item(3, BELGIUM_A, source=1)
    rewrite = item(4, BELGIUM_REWRITE, source=2, at=T0 + timedelta(hours=1))
    assert [index.assign(it, new_story=it.id).story for it in (guardia, denmark, belgium)] == [
        None,
        None,
        None,
    ]
    assert index.assign(rewrite, new_story=4).story == 3


def test_exact_duplicates_join_whatever_their_wording() -> None:
    index = StoryIndex(WINDOW)
    first = item(1, BELGIUM_A, source=1)
    index.assign(first, new_story=1)
    same_url = StoryItem(2, 2, T0, "عنوان آخر تماما", canonical_url="https://outlet1.example/1")
    same_guid = StoryItem(3, 3, T0, "خبر", guid="tag:wire.example,2026:abc-123-def")
    index.assign(same_guid, new_story=3)
    copy_guid = StoryItem(4, 4, T0, "نص", guid="tag:wire.example,2026:abc-123-def")
    same_text = item(5, BELGIUM_DIACRITICS, source=5)
    assert index.assign(same_url, new_story=2).reason is Reason.URL
    assert (index.assign(copy_guid, new_story=4).story, index.story_of(4)) == (3, 3)
    assert index.assign(same_text, new_story=5).reason is Reason.TEXT
    assert index.story_of(5) == 1


def test_a_short_numeric_guid_is_not_identity_across_outlets() -> None:
    index = StoryIndex(WINDOW)
    index.assign(StoryItem(1, 1, T0, "حريق في سوق", guid="1234"), new_story=1)
    found = index.assign(StoryItem(2, 2, T0, "افتتاح معرض الكتاب", guid="1234"), new_story=2)
    assert found.story is None


def test_an_outlets_template_is_its_next_event_but_its_republication_is_not() -> None:
    """One outlet's next event from its own template is a new story; the same report again
    (republished with a paragraph more) is the same one."""
    a = item(1, GERMANY_TUE, source=1)
    next_event = item(2, NETHERLANDS_TUE, source=1, at=T0 + timedelta(hours=1))
    republished = item(3, BELGIUM_LONGER, source=1, at=T0 + timedelta(hours=2))
    b = item(4, BELGIUM_A, source=1, at=T0 + timedelta(hours=1))
    assert stories_of(a, next_event, b, republished) == [1, 2, 4, 4]


def test_titles_alone_do_not_make_a_story() -> None:
    a = StoryItem(1, 1, T0, "بلاغ للمديرية العامة للأمن الوطني")
    b = StoryItem(2, 2, T0 + timedelta(hours=5), "بلاغ للمديرية العامة للأمن الوطني")
    assert stories_of(a, b) == [1, 2]


def test_rewrites_two_days_apart_are_other_events_but_copies_are_not() -> None:
    """Time apart weighs against: the rewrite that joins two hours later does not two days
    later (most such pairs are the same kind of event again), while a copy still does."""
    a = item(1, BELGIUM_A, source=1)
    assert stories_of(a, item(2, BELGIUM_REWRITE, source=2, at=T0 + timedelta(hours=2))) == [1, 1]
    late_rewrite = item(2, BELGIUM_REWRITE, source=2, at=T0 + timedelta(hours=50))
    late_copy = item(3, BELGIUM_DIACRITICS, source=3, at=T0 + timedelta(hours=60))
    assert stories_of(a, late_rewrite, late_copy) == [1, 2, 1]


def test_cross_language_reports_link_by_their_entities_on_the_same_day() -> None:
    entities = ents("hammouchi", "dgsn", "belgium", "cooperation")
    arabic = Report(BELGIUM_A.title, BELGIUM_A.lead, entities)
    french = Report(
        "Hammouchi reçoit le commissaire général de la police fédérale belge",
        "Le directeur général de la Sûreté nationale, Abdellatif Hammouchi, a reçu mardi à Rabat "
        "le commissaire général de la police fédérale belge pour renforcer la coopération.",
        entities,
    )
    fewer = Report(french.title, french.lead, ents("hammouchi", "belgium"))
    parties = ents("hammouchi", "belgium")
    a = item(1, arabic, source=1)
    assert stories_of(a, item(2, french, source=2, at=T0 + timedelta(hours=4))) == [1, 1]
    assert stories_of(a, item(2, french, source=2, at=T0 + timedelta(hours=30))) == [1, 2]
    assert stories_of(a, item(2, fewer, source=2, at=T0 + timedelta(hours=4))) == [1, 2]
    ar = StoryItem(1, 1, T0, arabic.title, arabic.lead, entities=entities, parties=parties)
    fr = StoryItem(
        2, 2, T0, french.title, french.lead, entities=entities | {"police"}, parties=parties
    )
    assert stories_of(ar, fr) == [1, 1]
    only_parties = StoryItem(2, 2, T0, french.title, french.lead, entities=parties, parties=parties)
    assert stories_of(ar, only_parties) == [1, 2], "official and partner alone are not enough"


VISIT_PARTIES = ents("hammouchi", "morocco", "spain", "germany")


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        pytest.param(
            Report(MADRID_VISIT.title, MADRID_VISIT.lead, VISIT_PARTIES | {"terrorism"}),
            Report(CELL_LOOSE.title, CELL_LOOSE.lead, VISIT_PARTIES | {"drugs", "migration"}),
            False,
            id="same-parties-unrelated-wording",
        ),
        pytest.param(
            Report(CELL_A.title, CELL_A.lead, VISIT_PARTIES | {"terrorism"}),
            Report(CELL_LOOSE.title, CELL_LOOSE.lead, VISIT_PARTIES | {"isis", "extremism"}),
            True,
            id="same-parties-other-topics",
        ),
        pytest.param(
            Report(CELL_A.title, CELL_A.lead, VISIT_PARTIES | {"terrorism"}),
            Report(CELL_LOOSE.title, CELL_LOOSE.lead, VISIT_PARTIES - {"germany"} | {"denmark"}),
            False,
            id="another-partner",
        ),
    ],
)
def test_parties_decide_and_topics_may_differ(first: Report, second: Report, same: bool) -> None:
    """With entity kinds known, persons and places are the parties: the same parties and some
    common wording make one story even when the outlets matched different topics."""
    parties = VISIT_PARTIES | {"denmark"}

    def with_parties(number: int, report: Report, source: int, at: datetime) -> StoryItem:
        entities = report.entities or frozenset()
        return StoryItem(
            number, source, at, report.title, report.lead, entities=entities,
            parties=entities & parties,
        )  # fmt: skip

    a = with_parties(1, first, 1, T0)
    b = with_parties(2, second, 2, T0 + timedelta(hours=3))
    assert stories_of(a, b) == ([1, 1] if same else [1, 2])


def test_items_older_than_the_window_leave_the_index() -> None:
    index = StoryIndex(WINDOW)
    index.assign(item(1, BELGIUM_A, source=1), new_story=1)
    index.assign(item(2, CELL_A, source=1, at=T0 + timedelta(hours=10)), new_story=2)
    assert index.evict(T0 + timedelta(hours=1)) == 1
    assert 1 not in index and 2 in index and len(index) == 1
    copy = item(3, BELGIUM_DIACRITICS, source=2, at=T0 + timedelta(hours=20))
    assert index.assign(copy, new_story=3).story is None
    assert index.evict(T0 + timedelta(days=30)) == 2
    assert len(index) == 0


def test_a_story_is_found_through_any_of_its_items() -> None:
    short = item(1, BELGIUM_SHORT, source=1)
    longer = item(2, BELGIUM_LONGER, source=2, at=T0 + timedelta(hours=1))
    rewrite = item(3, BELGIUM_REWRITE, source=3, at=T0 + timedelta(hours=2))
    assert stories_of(short, longer, rewrite) == [1, 1, 1]


_ARABIC_WORDS = st.text(alphabet="ابتثجحخدذرزسشصضطظعغفقكلمنهوي", min_size=2, max_size=8)


@settings(max_examples=60, deadline=None)
@given(st.lists(_ARABIC_WORDS, min_size=10, max_size=40), st.sampled_from(["َ", "ّ", "ْ", "ـ"]))
def test_diacritics_and_tatweel_never_hide_a_copy(words: list[str], mark: str) -> None:
    text = " ".join(words)
    marked = " ".join(word[0] + mark + word[1:] for word in words)
    assert fingerprint(text).words == fingerprint(marked).words
    a = StoryItem(1, 1, T0, words[0], lead=text)
    b = StoryItem(2, 2, T0, words[0], lead=marked)
    index = StoryIndex(WINDOW)
    index.assign(a, new_story=1)
    content = len(fingerprint(words[0], text).words)
    if content >= 8:
        assert index.assign(b, new_story=2).story == 1


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(_ARABIC_WORDS, min_size=8, max_size=20), min_size=1, max_size=8))
def test_every_item_has_exactly_one_story_and_eviction_empties_the_index(
    texts: list[list[str]],
) -> None:
    index = StoryIndex(WINDOW)
    for number, words in enumerate(texts, start=1):
        story = index.assign(
            StoryItem(number, number % 3, T0 + timedelta(hours=number), words[0], " ".join(words)),
            new_story=number,
        ).story
        assert index.story_of(number) == (story or number)
        assert (story or number) <= number
    index.evict(T0 + timedelta(days=10))
    assert len(index) == 0


# --- a later report shows two stories to be one ------------------------------------------------

_VISIT_1 = (
    "حل وفد من الحرس المدني الإسباني بمدينة العيون في زيارة عمل تدوم ثلاثة أيام يقودها الجنرال "
    "خوسيه مانويل سانتياغو"
)
_VISIT_2 = (
    "وعقد الوفد اجتماعا مع والي أمن العيون خصص لتنسيق مراقبة السواحل الأطلسية المقابلة لجزر الكناري"
)
_VISIT_3 = (
    "وتفقد أعضاء الوفد مركز المراقبة البحرية بميناء العيون حيث اطلعوا على الرادارات الحديثة "
    "وزوارق الاعتراض السريعة"
)
VISIT_MEETING = Report(
    "وفد من الحرس المدني الإسباني بالعيون لتنسيق مراقبة السواحل", f"{_VISIT_1}، {_VISIT_2}."
)
VISIT_TOUR = Report(
    "زوارق ورادارات حديثة.. وفد أجنبي يتفقد مركز المراقبة البحرية",
    f"{_VISIT_3}، في إطار زيارة يقوم بها للمنطقة.",
)
VISIT_WIRE = Report(
    "الجنرال سانتياغو على رأس وفد من الحرس المدني الإسباني في العيون",
    f"{_VISIT_1}. {_VISIT_2}. {_VISIT_3}.",
)


def test_a_report_that_bridges_two_stories_merges_them() -> None:
    """Two outlets told two moments of one visit in words too different to join; a wire report
    telling the whole visit shows they are one event, and the later story folds into the first."""
    index = beat_index(WINDOW, T0)
    meeting = item(1, VISIT_MEETING, source=1)
    tour = item(2, VISIT_TOUR, source=2, at=T0 + timedelta(hours=3))
    wire = item(3, VISIT_WIRE, source=3, at=T0 + timedelta(hours=2))
    assert index.assign(meeting, new_story=1).story is None
    assert index.assign(tour, new_story=2).story is None, "too little in common on their own"
    bridged = index.assign(wire, new_story=3)
    assert (bridged.story, bridged.merged) == (1, (2,))
    assert [index.story_of(n) for n in (1, 2, 3)] == [1, 1, 1]
    later = item(4, VISIT_TOUR, source=4, at=T0 + timedelta(hours=4))
    assert index.assign(later, new_story=4).story == 1, "the merged story is found through any item"


def test_a_weak_second_link_does_not_merge() -> None:
    """A report that joins one story and only just clears the bar against another joins the
    first alone: a merge needs the margin above the threshold on both sides."""
    index = beat_index(WINDOW, T0)
    index.assign(item(1, BELGIUM_A, source=1), new_story=1)
    index.assign(item(2, CELL_A, source=2), new_story=2)
    found = index.assign(item(3, BELGIUM_REWRITE, source=3, at=T0 + timedelta(hours=1)), 3)
    assert (found.story, found.merged) == (1, ())
    assert index.story_of(2) == 2


def test_two_towns_named_weigh_against_one_story() -> None:
    """The same incident type in two towns: the places named differ, and that counts."""
    index = beat_index(WINDOW, T0)
    index.add(item(1, bus_crash("تارودانت", "أربعة"), source=1), story=1)
    verdict = index.judge(item(2, bus_crash("ورزازات", "أربعة"), source=2), 1)
    assert verdict.evidence is not None and verdict.evidence.places_conflict
    assert not verdict.same
    same_town = index.judge(item(3, bus_crash("تارودانت", "أربعة"), source=3), 1)
    assert same_town.evidence is not None and not same_town.evidence.places_conflict
