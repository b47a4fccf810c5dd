"""The shipped rule set: it validates, and it says the right thing on hard sentences."""

from __future__ import annotations

import pytest

from marsad.config import SHIPPED_RULES
from marsad.matching.engine import Matcher, MatchInput, load_rules


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.compile(load_rules([SHIPPED_RULES]))


def test_the_shipped_rules_validate_and_cover_the_beat(matcher: Matcher) -> None:
    entities = set(matcher.entities)
    for wanted in [
        "hammouchi",
        "laftit",
        "bourita",
        "morocco",
        "spain",
        "germany",
        "france",
        "uk",
        "denmark",
        "usa",
        "police",
        "gendarmerie",
        "terrorism",
        "migration",
        "drugs",
        "interpol",
        "worldcup",
        "dgsn",
        "dgst",
        "bcij",
        "royal-gendarmerie",
        "interior-ministry",
        "foreign-ministry",
        "portugal",
        "belgium",
        "netherlands",
        "italy",
        "policia-nacional",
        "guardia-civil",
        "bka",
        "bundespolizei",
        "europol",
        "extremism",
        "human-trafficking",
        "cybercrime",
        "organised-crime",
        "money-laundering",
        "worldcup-2030",
        "afcon",
        "interpol-general-assembly",
    ]:
        assert wanted in entities, wanted
    assert len(matcher.rules) >= 10
    for rule in matcher.rules.values():
        assert rule.title and rule.file and rule.line


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        # Moroccan officials and bodies, in every script
        ("استقبل المدير العام عبد اللطيف الحموشي الوفد", "hammouchi"),
        ("M. Abdellatif Hammouchi a reçu le chef de la police", "hammouchi"),
        ("صرح عبدالوافي لفتيت أمام البرلمان", "laftit"),
        ("أجرى ناصر بوريطه اتصالا هاتفيا", "bourita"),
        ("بلاغ للمديرية العامة للأمن الوطني", "dgsn"),
        ("عناصر البسيج توقف مشتبها به", "bcij"),
        ("بتنسيق مع مصالح مراقبة التراب الوطني", "dgst"),
        ("القيادة الجهوية للدرك الملكي بالجديدة", "royal-gendarmerie"),
        # countries: nisba, demonyms, Darija, clitics
        ("قال الصبليون إن الحدود ستفتح", "spain"),
        ("وفد من الأسبان يزور طنجة", "spain"),
        ("نقلت وكالة فرانس برس الخبر", "france"),
        ("الفرانساويين كيجيو بزاف", "france"),
        ("الشرطة الألمانيّة اعتقلت المتهم", "germany"),
        ("وأكدت السلطات البريطانية", "uk"),
        ("بعث الإنجليز برسالة", "uk"),
        ("النجليز ربحو الماتش", "uk"),
        ("انتشار مخدر البوفا", "drugs"),
        ("يتحدث اللغة الإنجليزية بطلاقة", "uk"),
        ("تدخلت عناصر الأمن الوطني بسرعة", "dgsn"),
        ("ولاية أمن مراكش تفتح بحثا", "dgsn"),
        ("سفير الدانمارك بالرباط", "denmark"),
        ("وزارة الخارجية الأمريكية", "usa"),
        ("الميريكان دارو قانون جديد", "usa"),
        ("الجالية المغربية المقيمة بالخارج", "morocco"),
        ("ولمغاربة العالم", "morocco"),
        ("التقى وزير الداخلية البرتغالي", "portugal"),
        ("عادت الشرطة البلجيكية", "belgium"),
        ("حكم قاضي هولندي على المتهم", "netherlands"),
        ("مشا لهولاندا باش يخدم", "netherlands"),
        ("رحلت السلطات الإيطالية مهاجرين", "italy"),
        # security bodies and topics, Darija included
        ("جا البوليس وداهم الدار", "police"),
        ("شرطيين اثنين أصيبا بجروح", "police"),
        ("الجدارمية دارو سد قضائي", "gendarmerie"),
        ("اعتقل دركي بمدينة تازة", "gendarmerie"),
        ("مذكرة بحث دولية عبر الإنتربول", "interpol"),
        ("التعاون مع اليوروبول", "europol"),
        ("أعلن الحرس المدني الإسباني توقيف", "guardia-civil"),
        ("تفكيك خلية إرهابية موالية لداعش", "terrorism"),
        ("الإرهابيون الثلاثة", "terrorism"),
        ("محاربة الأفكار المتطرفة", "extremism"),
        ("شبكة للهجرة السرية", "migration"),
        ("توقيف مهاجرين غير شرعيين بالساحل", "migration"),
        ("الحريك ولا ظاهرة كبيرة", "migration"),
        ("قضية الاتجار بالبشر", "human-trafficking"),
        ("حجز أطنان من الحشيش والكوكايين", "drugs"),
        ("ضبط أقراص مخدرة", "drugs"),
        ("ارتفاع الجرائم الإلكترونية", "cybercrime"),
        ("محاربة الجريمة المنظمة العابرة للحدود", "organised-crime"),
        ("متابعة بتهمة غسل الأموال", "money-laundering"),
        ("الاستعداد لمونديال 2030", "worldcup-2030"),
        ("تأمين كأس أمم إفريقيا", "afcon"),
        ("احتضان مراكش للجمعية العامة للإنتربول", "interpol-general-assembly"),
        ("تأهل المنتخب إلى كأس العالم", "worldcup"),
        ("استقبل محمد ياسين المنصوري نظيره", "mansouri"),
        ("أشرف الجنرال محمد حرمو على الحفل", "haramou"),
        ("معلومات دقيقة وفرتها المخابرات المغربية", "ma-intelligence"),
        ("دورية لعناصر القوات المساعدة", "auxiliary-forces"),
        ("أنقذت البحرية الملكية مهاجرين", "royal-navy"),
        ("حجزت الجمارك المغربية شحنة", "ma-customs"),
        ("حجز شحنة بميناء طنجة المتوسط", "morocco-cities"),
        ("عبر معبر باب سبتة", "ceuta-melilla"),
    ],
)
def test_mentions_are_recognised(matcher: Matcher, text: str, entity: str) -> None:
    assert entity in matcher.match(MatchInput("x", text=text)).entities


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        ("أدى المصلون صلاة المغرب في المسجد", "morocco"),
        ("قمة دول المغرب العربي", "morocco"),
        ("إحياء الاتحاد المغاربي", "morocco"),
        ("مجلس الأمن الوطني", "dgsn"),
        ("الدرك الأسفل من النار", "gendarmerie"),
        ("أدرك اللاعب أن المباراة انتهت", "gendarmerie"),
        ("حصل على الإفراج الشرطي", "police"),
        ("بطولة أمريكا اللاتينية", "usa"),
        ("المطعم الأميركي اللاتيني", "usa"),
        ("تحققت الأماني أخيرا", "germany"),
        ("شرب الماحيا في العرس", "germany"),
        ("قال فرانسوا هولاند", "netherlands"),
        ("صرح هولاند للصحافيين", "netherlands"),
        ("صام حتى المغرب", "morocco"),
        ("البابا فرنسيس يزور المغرب", "france"),
        ("كيف حالك يا صديقي", "drugs"),
        ("حراك الريف والمطالب الاجتماعية", "migration"),
        ("هجرة الأدمغة إلى الخارج", "migration"),
        ("المهاجرين المغاربة في أوروبا", "migration"),
        ("بطولة كأس العالم للأندية", "worldcup"),
        ("كأس العالم لكرة اليد", "worldcup"),
        ("تنظيم الدولة لمهرجان موازين", "terror-groups"),
        ("رهبان الدير القديم", "terrorism"),
        ("وزير الداخلية في الحكومة", "laftit"),
        ("رئيس المديرية العامة للأمن الوطني", "hammouchi"),
        ("مدينة مدريد الجميلة", "spain"),
        ("فريق إسبانيول", "spain"),
        ("الأمن في الحي", "police"),
        ("نادي الشرطة العراقي", "police"),
        ("join us in London", "usa"),
        ("le commerce mondial", "worldcup"),
        ("تمزق الرباط الصليبي للاعب", "morocco-cities"),
        ("دموع العيون", "morocco-cities"),
        ("اعتدى عليه بفأس", "morocco-cities"),
        ("قال أحمد المنصوري", "mansouri"),
    ],
)
def test_look_alikes_are_not_mentions(matcher: Matcher, text: str, entity: str) -> None:
    assert entity not in matcher.match(MatchInput("x", text=text)).entities


@pytest.mark.parametrize(
    ("title", "text", "rule"),
    [
        (
            "حموشي يستقبل وفدا أمنيا إسبانيا",
            "بحث الجانبان سبل تعزيز التعاون في مكافحة الإرهاب والجريمة المنظمة",
            "ma-eu-security-cooperation",
        ),
        (
            "زيارة عمل",
            "استقبل عبد اللطيف حموشي مدير الشرطة الفيدرالية الأمريكية FBI في إطار تعاون ثنائي",
            "ma-us-security-cooperation",
        ),
        (
            "المغرب وألمانيا",
            "اتفق البلدان على تعزيز التعاون الأمني وتبادل الخبرات",
            "bilateral-security-cooperation",
        ),
        (
            "تنسيق ثلاثي",
            "المغرب وإسبانيا والبرتغال يعززون التنسيق الأمني استعدادا لمونديال 2030",
            "trilateral-security-cooperation",
        ),
        (
            "عملية مشتركة",
            "أسفرت عملية مشتركة بين الحرس المدني الإسباني والمديرية العامة لمراقبة التراب الوطني"
            " عن توقيف متطرف",
            "joint-operation",
        ),
        (
            "توقيع",
            "وقعت المديرية العامة للأمن الوطني والشرطة البلجيكية مذكرة تفاهم",
            "security-mou",
        ),
        (
            "تفكيك خلية",
            "تمكن المكتب المركزي للأبحاث القضائية من تفكيك خلية إرهابية",
            "counter-terrorism-morocco",
        ),
        (
            "الحريك",
            "أحبطت السلطات المغربية محاولة للهجرة السرية نحو السواحل الإسبانية",
            "migration-morocco-europe",
        ),
        (
            "حجز",
            "حجز الدرك الملكي أطنانا من الشيرا كانت موجهة إلى إسبانيا",
            "drug-trafficking-international",
        ),
        (
            "حجز",
            "إحباط تهريب أطنان من الشيرا بميناء طنجة المتوسط كانت موجهة إلى إسبانيا",
            "drug-trafficking-international",
        ),
        (
            "الهجرة",
            "أحبطت البحرية الملكية محاولة للهجرة السرية نحو سبتة المحتلة",
            "migration-morocco-europe",
        ),
        (
            "خلية",
            "تفكيك خلية إرهابية بطنجة بناء على معلومات المخابرات المغربية",
            "counter-terrorism-morocco",
        ),
        (
            "DGSN",
            "Abdellatif Hammouchi a reçu le chef de la Policía Nacional pour renforcer la"
            " coopération antiterroriste.",
            "ma-eu-security-cooperation",
        ),
        (
            "Ceuta",
            "La Guardia Civil y la DGST marroquí desarticulan una célula yihadista en Ceuta.",
            "counter-terrorism-partners",
        ),
        (
            "Rabat",
            "Le Maroc et l'Espagne ont signé un mémorandum d'entente sur la coopération policière.",
            "security-mou",
        ),
        (
            "أمن الكان",
            "المديرية العامة للأمن الوطني تعبئ عناصرها لتأمين كأس أمم إفريقيا",
            "major-events-security",
        ),
    ],
)
def test_rules_fire_on_their_stories(matcher: Matcher, title: str, text: str, rule: str) -> None:
    assert rule in matcher.match(MatchInput("x", title=title, text=text)).rules


@pytest.mark.parametrize(
    "text",
    [
        "المنتخب المغربي يواجه نظيره الإسباني في مباراة ودية",
        "وزير الداخلية السعودي يستقبل نظيره الفرنسي",
        "التعاون الاقتصادي بين المغرب وإسبانيا في مجال الطاقة",
        "حموشي يترأس حفل تخرج أفواج الشرطة",
        "المغرب وإسبانيا والبرتغال يتعاونون في تنظيم مونديال 2030 وبناء الملاعب",
        "شركات التأمين تستعد لكأس أمم إفريقيا",
        # drugs and a trafficking word far apart are not a drug-trafficking story
        "حجز سيارة مسروقة بطنجة، وفي خبر آخر عن الصحة العامة تحدث الطبيب طويلا عن أضرار المخدرات",
    ],
)
def test_no_security_cooperation_alert_on_ordinary_news(matcher: Matcher, text: str) -> None:
    rules = set(matcher.match(MatchInput("x", text=text)).rules) - {"hammouchi-news"}
    assert rules == set(), rules
