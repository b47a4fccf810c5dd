"""A newsroom for spike tests: an outlet's RSS feed on 127.0.0.1 with weeks of quiet coverage of
@hammouchi and a steady @spain, and bursts of distinct @hammouchi stories to publish; stored by
the real poller (matching, stories) with the test's clock.

History: @hammouchi has one story on each of the five Sundays before 22 Nov 2026 at 14:20 UTC,
an hour no test bursts in (a seasonal baseline rightly expects more in a target's regular hour),
but one in the baseline of the day after (Monday 14:00: ~0.14 stories expected there, not
~0.01, so a spread widened by an earlier spike would hide a burst in it); @spain has the same three stories every Sunday at 08:xx, and three again on 22 Nov (usual for
it, never a spike).  Each burst is a list of distinct events, all naming Hammouchi.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from tests.httpserver import HTTPTestServer, Response

SUNDAY = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)  # 09:00 in Casablanca
FEED_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}

RULES = """
[[entity]]
id = "hammouchi"
kind = "person"
name = "عبد اللطيف حموشي"
aliases = ["عبد اللطيف حموشي", "حموشي", "Hammouchi"]
title = { ar = "عبد اللطيف حموشي", en = "Abdellatif Hammouchi", fr = "Abdellatif Hammouchi" }

[[entity]]
id = "spain"
kind = "place"
name = "إسبانيا"
aliases = ["إسبانيا", "Spain"]
"""

HAMMOUCHI_WEEKLY = "حموشي يتفقد مصالح الأمن الوطني بمدينة العيون"
SPAIN_WEEKLY = (
    "إسبانيا تعلن خطة جديدة لمراقبة حدودها البحرية",
    "وزير الداخلية في إسبانيا يزور جزر الكناري",
    "إسبانيا تستضيف قمة أوروبية حول الهجرة النظامية",
)
BURST = (
    "حموشي يترأس اجتماعا طارئا لتأمين مباراة الديربي بالدار البيضاء",
    "حموشي يعفي رئيس منطقة أمنية بمراكش بعد تحقيق داخلي",
    "وفد من الأنتربول يحل بالرباط للقاء حموشي حول الجرائم الإلكترونية",
    "حموشي يدشن مدرسة جديدة لتكوين الشرطة التقنية في بنجرير",
    "تعيينات جديدة يوقعها حموشي على رأس ولايات الأمن بفاس ومكناس",
    "حموشي يزور جرحى حادث سير لدورية أمنية قرب طنجة",
    "برلمانيون يسائلون حموشي عن خصاص الموارد البشرية في الأحياء الهامشية",
)
SECOND_BURST = (
    "حموشي يمنح ترقيات استثنائية لعناصر أوقفت عصابة سطو مسلح بأكادير",
    "الرباط تحتضن مؤتمرا إفريقيا لقادة الشرطة بحضور حموشي",
    "حموشي يطلق منصة رقمية لتلقي شكايات المواطنين عن بعد",
    "حموشي يستقبل أسر ضحايا فيضانات آسفي ويعد بتسريع التحقيق",
    "حموشي يأمر بفتح تحقيق في تسريب وثائق من مفوضية وجدة",
    "معهد الشرطة بإفران يستقبل فوجا نسائيا جديدا بإشراف حموشي",
)
LATER_BURST = (
    "حموشي يكرم متقاعدي الأمن الوطني في حفل بالقنيطرة",
    "مجلة أمريكية تخصص ملفا لمسار حموشي على رأس الاستخبارات الداخلية",
    "حموشي يوقع مذكرة تفاهم مع جامعة محمد الخامس لتكوين المحققين",
    "ساكنة الحسيمة تطالب حموشي بفتح مفوضية شرطة في الجماعات القروية",
    "حموشي يفتتح مختبرا للشرطة العلمية في الداخلة",
    "نقابات تشيد بقرار حموشي رفع تعويضات العمل الليلي",
)


@dataclass
class Outlet:
    """One outlet's RSS feed on the local server; ``publish`` puts entries on top of it."""

    server: HTTPTestServer
    path: str = "/wasit"
    entries: list[str] = field(default_factory=list)
    count: int = 0

    def publish(self, title: str, published: datetime) -> None:
        self.count += 1
        self.entries.insert(
            0,
            f"<item><title>{escape(title)}</title>"
            f"<link>https://wasit.example/{self.count}</link>"
            f"<guid isPermaLink='false'>wasit-{self.count}</guid>"
            f"<pubDate>{format_datetime(published)}</pubDate>"
            f"<description>{escape(title)}</description></item>",
        )
        rss = (
            "<rss version='2.0'><channel><title>Wasit</title>"
            f"{''.join(self.entries)}</channel></rss>"
        )
        self.server.route(self.path, Response(body=rss.encode(), headers=FEED_TYPE))

    def burst(self, titles: tuple[str, ...], hour: datetime) -> None:
        """Each title published in the hour starting at ``hour``, a few minutes apart."""
        for index, title in enumerate(titles):
            self.publish(title, hour + timedelta(minutes=3 + 7 * index))

    def history(self, weeks: int = 5) -> None:
        """The quiet weeks before ``SUNDAY`` (and @spain's usual three on ``SUNDAY`` itself)."""
        for week in range(weeks, 0, -1):
            sunday = SUNDAY - timedelta(weeks=week)
            self.publish(HAMMOUCHI_WEEKLY, sunday + timedelta(hours=6, minutes=20))
            for index, title in enumerate(SPAIN_WEEKLY):
                self.publish(title, sunday + timedelta(minutes=10 + 15 * index))
        for index, title in enumerate(SPAIN_WEEKLY):
            self.publish(title, SUNDAY + timedelta(minutes=12 + 15 * index))


def write_config(folder: Path, outlet: Outlet, extra: str = "", database: str = "") -> Path:
    """A configuration with the rule file, the outlet, the store and ``extra`` tables."""
    (folder / "rules.toml").write_text(RULES, encoding="utf-8")
    path = folder / "config.toml"
    path.write_text(
        f"""
rules = ["rules.toml"]
timezone = "Africa/Casablanca"
[database]
url = "{database or "sqlite:///marsad.db"}"
[polling]
interval = "1m"
timeout = "5s"
{extra}
[[sources]]
name = "Wasit"
url = "{outlet.server.url(outlet.path)}"
""",
        encoding="utf-8",
    )
    return path
