"""Stories in Telegram, as a user meets them with `marsad run` and a token: one event told by
several outlets is one alert, edited to show "+N sources" as other outlets report it, and a report
that shows two stories to be one event merges them without a third alert."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from tests.cli import marsad
from tests.fakebot import FakeTelegram, Sent, visible_text
from tests.httpserver import HTTPTestServer, Response

FEED_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}
ANALYST = 4242
ONE_MORE = "مصدر آخر"  # the Arabic label of "+1 source" on an alert's outlet line
TWO_MORE = "مصدران آخران"  # and of "+2 sources" (the Arabic dual)


@dataclass(frozen=True)
class Entry:
    guid: str
    title: str
    summary: str
    ago: timedelta  # published this long before the test started


@dataclass
class Feeds:
    """The outlets' RSS feeds on the local server; ``publish`` puts an entry on top of one."""

    server: HTTPTestServer
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    entries: dict[str, list[Entry]] = field(default_factory=dict)

    def path(self, source: str) -> str:
        return f"/{source.lower()}"

    def publish(self, source: str, *entries: Entry) -> None:
        self.entries[source] = [*entries, *self.entries.get(source, [])]
        body = "".join(
            f"<item><title>{escape(e.title)}</title>"
            f"<link>https://{source.lower()}.example/{e.guid}</link>"
            f"<guid isPermaLink='false'>{e.guid}</guid>"
            f"<pubDate>{format_datetime(self.now - e.ago)}</pubDate>"
            f"<description>{escape(e.summary)}</description></item>"
            for e in self.entries[source]
        )
        rss = f"<rss version='2.0'><channel><title>{source}</title>{body}</channel></rss>"
        self.server.route(self.path(source), Response(body=rss.encode(), headers=FEED_TYPE))

    def wait_polled_twice(self, timeout: float = 30) -> None:
        """Every feed's first poll (the backlog, never alerted) is stored: a second has begun."""
        deadline = time.monotonic() + timeout
        for source in self.entries:
            while len(self.server.requests_to(self.path(source))) < 2:
                assert time.monotonic() < deadline, f"{source} was not polled twice"
                time.sleep(0.05)


def write_config(tmp_path: Path, fake: FakeTelegram, feeds: Feeds) -> Path:
    sources = "".join(
        f'[[sources]]\nname = "{name}"\nurl = "{feeds.server.url(feeds.path(name))}"\n'
        for name in feeds.entries
    )
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[telegram]
token_env = "MARSAD_E2E_TOKEN"
base_url = "{fake.base_url}"
[polling]
interval = "1s"
timeout = "3s"
{sources}""",
        encoding="utf-8",
    )
    return config


@contextmanager
def service(config: Path, fake: FakeTelegram) -> Iterator[subprocess.Popen[str]]:
    """`marsad run --verbose` with the token in the environment; stopped with SIGTERM."""
    log = config.parent / "service.log"
    env = {**os.environ, "MARSAD_E2E_TOKEN": fake.token}
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "marsad", "run", "--config", str(config), "--verbose"],
            cwd=config.parent,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=60)
    assert process.returncode == 0, log.read_text(encoding="utf-8")[-3000:]


def subscribe(fake: FakeTelegram, query: str) -> int:
    """/start and /subscribe from the analyst's chat; returns how many messages it has then."""
    fake.push_message(chat_id=ANALYST, user_id=ANALYST, text="/start")
    fake.push_message(chat_id=ANALYST, user_id=ANALYST, text=f"/subscribe {query}")
    fake.wait_for(lambda: len(fake.texts(ANALYST)) >= 2, timeout=30)
    return len(sent_to(fake))


def sent_to(fake: FakeTelegram) -> list[Sent]:
    """The messages the bot sent to the analyst (sendMessage calls, as first sent)."""
    return [m for m in fake.sent if m.chat_id == ANALYST]


def edits_to(fake: FakeTelegram) -> list[Sent]:
    return [m for m in fake.edits if m.chat_id == ANALYST]


def shown(fake: FakeTelegram, message: Sent) -> str:
    """What the chat shows now for a message (edits applied), without direction marks."""
    current = fake.message(ANALYST, message.message_id)
    return visible_text(current.text).replace("\u200f", "")


# ---------------------------------------------------------------------------------- one event
ALPHA_OLD = Entry(
    "a-old",
    "افتتاح الدورة الجديدة للمعرض الدولي للنشر والكتاب بالرباط",
    "افتتحت بالرباط الدورة الجديدة للمعرض الدولي للنشر والكتاب بمشاركة مئات العارضين.",
    timedelta(days=1),
)
BETA_OLD = Entry(
    "b-old",
    "الرجاء الرياضي يفوز على الجيش الملكي في قمة البطولة الاحترافية",
    "حقق الرجاء الرياضي فوزا ثمينا على ضيفه الجيش الملكي بهدفين لهدف في قمة الدورة العاشرة.",
    timedelta(days=1),
)
REPORT_A = Entry(
    "a-visit",
    "وفد من الحرس المدني الإسباني بالعيون لتنسيق مراقبة السواحل مع حموشي",
    "حل وفد من الحرس المدني الإسباني بمدينة العيون في زيارة عمل تدوم ثلاثة أيام يقودها الجنرال "
    "خوسيه مانويل سانتياغو، واستقبله المدير العام للأمن الوطني عبد اللطيف حموشي، وعقد الوفد "
    "اجتماعا خصص لتنسيق مراقبة السواحل الأطلسية المقابلة لجزر الكناري.",
    timedelta(minutes=20),
)
REPORT_B = Entry(
    "b-visit",
    "الجنرال سانتياغو على رأس وفد من الحرس المدني الإسباني في العيون",
    "استقبل عبد اللطيف حموشي، المدير العام للأمن الوطني، وفدا من الحرس المدني الإسباني يقوده "
    "الجنرال خوسيه مانويل سانتياغو حل بمدينة العيون في زيارة عمل تدوم ثلاثة أيام، لتنسيق مراقبة "
    "السواحل الأطلسية المقابلة لجزر الكناري.",
    timedelta(minutes=10),
)


def test_two_outlets_one_event_is_one_alert_edited_to_plus_one_source(
    tmp_path: Path, http_server: HTTPTestServer, fake_telegram: FakeTelegram
) -> None:
    feeds = Feeds(http_server)
    feeds.publish("Alpha", ALPHA_OLD)
    feeds.publish("Beta", BETA_OLD)
    config = write_config(tmp_path, fake_telegram, feeds)
    with service(config, fake_telegram):
        before = subscribe(fake_telegram, "@hammouchi")
        feeds.wait_polled_twice()

        feeds.publish("Alpha", REPORT_A)
        fake_telegram.wait_for(lambda: len(sent_to(fake_telegram)) > before, timeout=30)
        feeds.publish("Beta", REPORT_B)
        fake_telegram.wait_for(lambda: edits_to(fake_telegram) != [], timeout=30)
        time.sleep(3)  # a few more polls of both feeds: nothing more may be sent

    alerts = sent_to(fake_telegram)[before:]
    assert len(alerts) == 1, [a.text for a in alerts]  # one event, one alert
    [alert] = alerts
    assert REPORT_A.title in alert.text and "Alpha" in alert.text
    assert " · +" not in alert.text.split("\n")[1]  # alone at first
    now = shown(fake_telegram, alert)
    outlet_line = now.split("\n")[1]
    assert outlet_line.startswith("Alpha · ") and outlet_line.endswith(f" · +1 {ONE_MORE}"), now
    assert REPORT_A.title in now  # the alert keeps its words; only the outlet line grew
    assert REPORT_B.title not in now
    assert all(e.message_id == alert.message_id for e in edits_to(fake_telegram))
    texts = fake_telegram.texts(ANALYST)
    assert not any(old.title in t for t in texts for old in (ALPHA_OLD, BETA_OLD))


# --------------------------------------------------------------------- a bridging report
S1 = (
    "حل وفد من الحرس المدني الإسباني بمدينة العيون في زيارة عمل تدوم ثلاثة أيام يقودها الجنرال "
    "خوسيه مانويل سانتياغو"
)
S2 = (
    "وعقد الوفد اجتماعا مع والي أمن العيون خصص لتنسيق مراقبة السواحل الأطلسية المقابلة لجزر الكناري"
)
S3 = (
    "وتفقد أعضاء الوفد مركز المراقبة البحرية بميناء العيون حيث اطلعوا على الرادارات الحديثة "
    "وزوارق الاعتراض السريعة"
)
MEETING = Entry(
    "a-meeting",
    "وفد من الحرس المدني الإسباني بالعيون لتنسيق مراقبة السواحل",
    f"{S1}، {S2}.",
    timedelta(hours=5),
)
HARBOUR = Entry(
    "b-harbour",
    "زوارق ورادارات حديثة.. وفد أجنبي يتفقد مركز المراقبة البحرية",
    f"{S3}، في إطار زيارة يقوم بها للمنطقة.",
    timedelta(hours=2),
)
WIRE = Entry(
    "c-wire",
    "الجنرال سانتياغو على رأس وفد من الحرس المدني الإسباني في العيون",
    f"{S1}. {S2}. {S3}.",
    timedelta(hours=3),
)
BACKGROUND = {
    "Alpha": (
        Entry(
            "a-bg1",
            "توقيف ثلاثة أشخاص للاشتباه في تورطهم في السرقة بالعنف بمدينة فاس",
            "تمكنت عناصر الشرطة القضائية بمدينة فاس من توقيف ثلاثة أشخاص تتراوح أعمارهم بين 20 و"
            "28 سنة للاشتباه في تورطهم في قضية تتعلق بالسرقة بالعنف تحت التهديد بالسلاح الأبيض.",
            timedelta(hours=20),
        ),
        Entry(
            "a-bg2",
            "نشرة إنذارية: أمطار رعدية وهبات رياح قوية بعدد من أقاليم المملكة",
            "أفادت المديرية العامة للأرصاد الجوية بأن أمطارا رعدية قوية مصحوبة بهبات رياح ستهم "
            "عددا من أقاليم الشمال والأطلس المتوسط ابتداء من مساء اليوم وإلى غاية صباح الغد.",
            timedelta(hours=18),
        ),
    ),
    "Beta": (
        Entry(
            "b-bg1",
            "الوداد يتعادل مع المغرب الفاسي ويضيع فرصة الانفراد بالصدارة",
            "اكتفى فريق الوداد الرياضي بالتعادل السلبي أمام مضيفه المغرب الفاسي في مباراة "
            "مؤجلة عن الدورة الثامنة من البطولة الاحترافية لكرة القدم.",
            timedelta(hours=22),
        ),
        Entry(
            "b-bg2",
            "حجز أزيد من طن من مخدر الشيرا على متن شاحنة بضواحي مراكش",
            "أحبطت عناصر الدرك الملكي بضواحي مراكش محاولة لتهريب أزيد من طن من مخدر الشيرا كانت "
            "مخبأة داخل شحنة من الفواكه على متن شاحنة لنقل البضائع، وتم توقيف السائق ومرافقه.",
            timedelta(hours=16),
        ),
    ),
    "Gamma": (
        Entry(
            "c-bg1",
            "ارتفاع أسعار الخضر والفواكه في أسواق الدار البيضاء قبيل رمضان",
            "سجلت أسواق الدار البيضاء ارتفاعا ملحوظا في أسعار الخضر والفواكه، وعزا التجار ذلك إلى "
            "تراجع العرض بسبب موجة البرد وارتفاع تكاليف النقل.",
            timedelta(hours=21),
        ),
        Entry(
            "c-bg2",
            "حريق يأتي على محلات تجارية بالسوق البلدي لمدينة طنجة",
            "أتى حريق مهول اندلع ليلة أمس على عدد من المحلات التجارية بالسوق البلدي لمدينة طنجة، "
            "وتدخلت عناصر الوقاية المدنية للسيطرة على النيران دون تسجيل خسائر في الأرواح.",
            timedelta(hours=15),
        ),
    ),
}


@dataclass(frozen=True)
class Bridged:
    config: Path
    meeting: Sent  # the alerts as first sent
    harbour: Sent
    alerts: int  # how many alerts the chat got in all


def bridge(tmp_path: Path, server: HTTPTestServer, fake: FakeTelegram) -> Bridged:
    """Alpha's report, then Beta's (two stories, two alerts), then Gamma's wire report that
    covers both, until an alert shows "+2 sources"."""
    feeds = Feeds(server)
    for source, backlog in BACKGROUND.items():
        feeds.publish(source, *backlog)  # history for the rarity of words, as in a running service
    config = write_config(tmp_path, fake, feeds)
    with service(config, fake):
        before = subscribe(fake, "العيون")  # a query all three reports match (Laayoune)
        feeds.wait_polled_twice()

        feeds.publish("Alpha", MEETING)
        fake.wait_for(lambda: len(sent_to(fake)) >= before + 1, timeout=30)
        feeds.publish("Beta", HARBOUR)
        fake.wait_for(lambda: len(sent_to(fake)) >= before + 2, timeout=30)
        feeds.publish("Gamma", WIRE)
        fake.wait_for(lambda: any(f"+2 {TWO_MORE}" in e.text for e in edits_to(fake)), timeout=30)
        time.sleep(3)  # a few more polls of every feed: nothing more may be sent

    alerts = sent_to(fake)[before:]
    meeting, harbour = alerts[:2]
    texts = fake.texts(ANALYST)
    assert not any(e.title in t for t in texts for b in BACKGROUND.values() for e in b)
    return Bridged(config, meeting, harbour, len(alerts))


def test_a_bridging_report_merges_two_stories_without_a_third_alert(
    tmp_path: Path, http_server: HTTPTestServer, fake_telegram: FakeTelegram
) -> None:
    run = bridge(tmp_path, http_server, fake_telegram)

    assert run.alerts == 2  # two stories at first; the report that joins them is no third alert
    assert MEETING.title in run.meeting.text and "Alpha" in run.meeting.text
    assert HARBOUR.title in run.harbour.text and "Beta" in run.harbour.text
    now = [shown(fake_telegram, alert) for alert in (run.meeting, run.harbour)]
    grown = [text for text in now if text.split("\n")[1].endswith(f" · +2 {TWO_MORE}")]
    assert grown, now  # an alert of the merged story shows its three outlets
    assert not any(WIRE.title in text for text in now)

    listed = marsad("stories", "--json", "--since", "2d", "--config", str(run.config), cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    stories = [json.loads(line) for line in listed.stdout.splitlines()]
    visit = [s for s in stories if s["title"] in {MEETING.title, HARBOUR.title, WIRE.title}]
    assert len(visit) == 1, stories  # the merged story is listed once
    assert (visit[0]["outlets"], visit[0]["items"]) == (3, 3), visit
    assert sorted(visit[0]["sources"]) == ["Alpha", "Beta", "Gamma"]
    assert visit[0]["title"] == MEETING.title  # the earliest report represents it


def test_after_a_merge_each_alert_keeps_its_own_report(
    tmp_path: Path, http_server: HTTPTestServer, fake_telegram: FakeTelegram
) -> None:
    run = bridge(tmp_path, http_server, fake_telegram)

    meeting, harbour = (shown(fake_telegram, a) for a in (run.meeting, run.harbour))
    assert HARBOUR.title in harbour and MEETING.title not in harbour, harbour  # not overwritten
    grew = meeting.split("\n")[1].endswith(f" · +2 {TWO_MORE}")
    assert MEETING.title in meeting and grew, meeting
