"""News feeds on the local HTTP server for several `marsad run` processes to share.

Each feed is an RSS document with an ETag (unchanged feeds answer 304, as real ones do), built
from its entries at every request, so ``publish`` takes effect at the next poll and ``slow``
makes every answer wait (a poll is then caught in the middle).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

from tests.httpserver import HTTPTestServer, Request, Response

FEED_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}


@dataclass(frozen=True)
class Entry:
    """One article of a feed; ``entity`` is the rule entity its text names (None: none)."""

    guid: str
    title: str
    summary: str
    published: datetime
    entity: str | None = None


@dataclass
class Feeds:
    """Feeds named ``names`` on ``server``; each starts with ``backlog`` unrelated entries."""

    server: HTTPTestServer
    names: tuple[str, ...]
    backlog: int = 2
    delay: float = 0.0
    entries: dict[str, list[Entry]] = field(default_factory=dict)
    _versions: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        started = datetime.now(UTC)
        for index, name in enumerate(self.names):
            old = [
                Entry(
                    f"{name}-old-{n}",
                    f"{OLD_TITLES[n % len(OLD_TITLES)]} ({name}، العدد {index * 10 + n})",
                    f"خبر محلي قديم رقم {index * 10 + n} من أرشيف {name}.",
                    started - timedelta(hours=30 + n),
                )
                for n in range(self.backlog)
            ]
            self.entries[name] = old
            self._versions[name] = 1
            self.server.route(self.path(name), self._answer(name))

    def path(self, name: str) -> str:
        return f"/feeds/{name}.xml"

    def url(self, name: str) -> str:
        return self.server.url(self.path(name))

    def publish(self, name: str, *entries: Entry) -> None:
        """Put ``entries`` on top of feed ``name`` (a new ETag: the next poll gets them)."""
        self.entries[name] = [*entries, *self.entries[name]]
        self._versions[name] += 1

    def all_entries(self) -> list[Entry]:
        return [entry for entries in self.entries.values() for entry in entries]

    def requests(self, name: str) -> int:
        """How many requests feed ``name`` has received."""
        return len(self.server.requests_to(self.path(name)))

    def total_requests(self) -> int:
        return sum(self.requests(name) for name in self.names)

    def sources_toml(self) -> str:
        """The ``[[sources]]`` tables of a configuration listing these feeds."""
        return "".join(
            f'[[sources]]\nname = "{name}"\nurl = "{self.url(name)}"\n' for name in self.names
        )

    def _answer(self, name: str) -> Callable[[Request], Response]:
        def answer(request: Request) -> Response:
            body = "".join(
                f"<item><title>{escape(e.title)}</title>"
                f"<link>https://{name.lower()}.example/{e.guid}</link>"
                f"<guid isPermaLink='false'>{e.guid}</guid>"
                f"<pubDate>{format_datetime(e.published)}</pubDate>"
                f"<description>{escape(e.summary)}</description></item>"
                for e in self.entries[name]
            )
            rss = f"<rss version='2.0'><channel><title>{name}</title>{body}</channel></rss>"
            return Response(
                body=rss.encode(),
                headers=FEED_TYPE,
                etag=f'"{name}-v{self._versions[name]}"',
                delay=self.delay,
            )

        return answer


OLD_TITLES = (
    "نشرة الطقس: أمطار متفرقة وانخفاض في درجات الحرارة",
    "نتائج الدورة الرابعة من البطولة الوطنية لكرة السلة",
    "افتتاح معرض للصناعة التقليدية في ساحة المدينة",
)

# Distinct events, each naming one person of the shipped rules (marsad/rules/morocco.toml).
NEWS: dict[str, tuple[tuple[str, str], ...]] = {
    "hammouchi": (
        (
            "حموشي يدشن مقرا جديدا لولاية أمن وجدة",
            "دشن عبد اللطيف حموشي مقرا جديدا لولاية أمن وجدة يضم مصالح الشرطة القضائية "
            "وقاعة للقيادة والتنسيق.",
        ),
        (
            "حموشي يستقبل سفير اليابان لبحث التكوين في علوم الأدلة الجنائية",
            "استقبل عبد اللطيف حموشي سفير اليابان وبحث معه برامج تكوين الخبراء في علوم الأدلة "
            "الجنائية والبصمات الوراثية.",
        ),
        (
            "حموشي يترأس حفل تخرج فوج جديد من حراس الأمن بالقنيطرة",
            "ترأس عبد اللطيف حموشي حفل تخرج فوج جديد من حراس الأمن بالمعهد الملكي للشرطة "
            "بالقنيطرة بعد سنة من التدريب.",
        ),
        (
            "حموشي يوقع مذكرة تفاهم مع الشرطة الفيدرالية البرازيلية حول الجرائم المعلوماتية",
            "وقع عبد اللطيف حموشي مذكرة تفاهم مع مدير الشرطة الفيدرالية البرازيلية تخص تبادل "
            "المعلومات حول الجرائم المعلوماتية.",
        ),
    ),
    "laftit": (
        (
            "لفتيت يعرض مشروع قانون الانتخابات الجماعية أمام مجلس النواب",
            "قدم عبد الوافي لفتيت مشروع قانون الانتخابات الجماعية أمام لجنة برلمانية وأجاب عن "
            "أسئلة النواب حول التقطيع.",
        ),
        (
            "لفتيت يتفقد أشغال إعادة إعمار الدواوير المتضررة من الزلزال بإقليم الحوز",
            "تفقد عبد الوافي لفتيت أشغال إعادة بناء المساكن في الدواوير الجبلية المتضررة من "
            "الزلزال بإقليم الحوز.",
        ),
        (
            "لفتيت يجتمع بالولاة حول تدبير الموارد المائية خلال فصل الصيف",
            "عقد عبد الوافي لفتيت اجتماعا مع ولاة الجهات خصص لتدبير الموارد المائية وتزويد "
            "القرى بالماء الصالح للشرب.",
        ),
        (
            "لفتيت يطلق برنامجا لرقمنة خدمات الحالة المدنية في الجماعات القروية",
            "أطلق عبد الوافي لفتيت برنامجا وطنيا لرقمنة سجلات الحالة المدنية وتسليم الوثائق "
            "عبر الإنترنت في الجماعات القروية.",
        ),
    ),
    "bourita": (
        (
            "بوريطة يجري مباحثات مع نظيره الكيني في نيروبي حول التبادل التجاري",
            "أجرى ناصر بوريطة في نيروبي مباحثات مع نظيره الكيني تناولت التبادل التجاري وخطوط "
            "الطيران المباشرة.",
        ),
        (
            "بوريطة يستقبل وزيرة خارجية أستراليا لتوقيع اتفاق إعفاء من التأشيرة",
            "استقبل ناصر بوريطة وزيرة خارجية أستراليا ووقع الجانبان اتفاقا للإعفاء من التأشيرة "
            "لحاملي جوازات السفر الدبلوماسية.",
        ),
        (
            "بوريطة يلقي كلمة حول تغير المناخ أمام الجمعية العامة للأمم المتحدة",
            "ألقى ناصر بوريطة كلمة أمام الجمعية العامة للأمم المتحدة دعا فيها إلى تمويل مشاريع "
            "التكيف مع تغير المناخ في إفريقيا.",
        ),
        (
            "بوريطة يفتتح قنصلية عامة جديدة للمملكة في مدينة مونتريال",
            "افتتح ناصر بوريطة قنصلية عامة جديدة في مونتريال لتقريب الخدمات الإدارية من أفراد "
            "الجالية المقيمين في كيبيك.",
        ),
    ),
    "mansouri": (
        (
            "ياسين المنصوري يستقبل رئيس جهاز الاستخبارات الإيطالي",
            "استقبل محمد ياسين المنصوري رئيس جهاز الاستخبارات الإيطالي في زيارة عمل قصيرة.",
        ),
        (
            "ياسين المنصوري يحضر مؤتمر ميونيخ للأمن",
            "حضر محمد ياسين المنصوري أشغال مؤتمر ميونيخ للأمن إلى جانب مسؤولين أوروبيين.",
        ),
        (
            "ياسين المنصوري يلتقي مسؤولين موريتانيين في نواكشوط",
            "التقى محمد ياسين المنصوري في نواكشوط مسؤولين موريتانيين في إطار مشاورات ثنائية.",
        ),
        (
            "ياسين المنصوري يشارك في منتدى دكار حول السلم في إفريقيا",
            "شارك محمد ياسين المنصوري في منتدى دكار الدولي حول السلم والأمن في إفريقيا.",
        ),
    ),
    "haramou": (
        (
            "الجنرال حرمو يتفقد مراكز الدرك الملكي بجهة سوس ماسة",
            "تفقد الجنرال محمد حرمو مراكز الدرك الملكي بجهة سوس ماسة واطلع على تجهيزاتها.",
        ),
        (
            "الجنرال حرمو يستقبل قائد الحرس الوطني التونسي",
            "استقبل الجنرال محمد حرمو قائد الحرس الوطني التونسي وبحثا تبادل الخبرات في التدريب.",
        ),
        (
            "الجنرال حرمو يشرف على مناورات الدرك في الأطلس المتوسط",
            "أشرف الجنرال محمد حرمو على مناورات ميدانية لوحدات الدرك في جبال الأطلس المتوسط.",
        ),
        (
            "الجنرال حرمو يوشح عناصر من الدرك الملكي بأوسمة تقديرا لشجاعتهم",
            "وشح الجنرال محمد حرمو عددا من عناصر الدرك الملكي بأوسمة تقديرا لشجاعتهم أثناء "
            "عمليات الإنقاذ.",
        ),
    ),
}
ENTITIES = tuple(NEWS)


def news(index: int, feed: str, entity: str, when: datetime) -> Entry:
    """The ``index``-th distinct event naming ``entity``, as published by ``feed``."""
    title, summary = NEWS[entity][index % len(NEWS[entity])]
    return Entry(f"{feed}-news-{entity}-{index}", title, summary, when, entity)
