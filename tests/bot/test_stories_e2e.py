"""Stories end to end, as a user runs Marsad: two outlets' feeds on a local server, `marsad poll
--json` twice (two processes: the second rebuilds the index from the store), `marsad stories`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from tests.cli import marsad
from tests.httpserver import HTTPTestServer, Response

FEED_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}

NOW = datetime.now(UTC)

Entry = tuple[str, str, str, float]
"""(guid, title, lead, hours ago)"""

ROME_ALPHA: Entry = (
    "a-rome",
    "حموشي يجري مباحثات بروما مع قائد الشرطة الإيطالية حول الهجرة غير النظامية",
    "أجرى المدير العام للأمن الوطني ولمراقبة التراب الوطني عبد اللطيف حموشي، اليوم بالعاصمة "
    "الإيطالية روما، مباحثات مع قائد الشرطة الإيطالية همت تعزيز التنسيق في مكافحة شبكات الهجرة "
    "غير النظامية وتبادل المعلومات حول المقاتلين الأجانب، وذلك بحضور وفد أمني رفيع من البلدين.",
    3,
)
ROME_BETA: Entry = (
    "b-rome",
    "تنسيق أمني مغربي إيطالي.. حموشي في روما لبحث مكافحة شبكات الهجرة",
    "حل عبد اللطيف حموشي، المدير العام للأمن الوطني ولمراقبة التراب الوطني، بروما حيث أجرى "
    "مباحثات مع قائد الشرطة الإيطالية بحضور وفد أمني رفيع من البلدين، تناولت تعزيز التنسيق في "
    "مكافحة شبكات الهجرة غير النظامية وتبادل المعلومات حول المقاتلين الأجانب.",
    2,
)


def ambassador(guid: str, partner: str, hours: float) -> Entry:
    return (
        guid,
        f"حموشي يستقبل سفير {partner} بالرباط",
        f"استقبل المدير العام للأمن الوطني عبد اللطيف حموشي بمقر المديرية العامة بالرباط سفير "
        f"{partner} المعتمد بالمملكة، وتناول اللقاء سبل تطوير التعاون الأمني الثنائي وتبادل "
        "الخبرات في مجال تكوين أطر الشرطة ومكافحة الجريمة المنظمة العابرة للحدود.",
        hours,
    )


SEIZURE: Entry = (
    "a-seizure",
    "إحباط محاولة لتهريب أزيد من طنين من الشيرا بميناء طنجة المتوسط",
    "تمكنت عناصر الأمن الوطني بميناء طنجة المتوسط، بتنسيق مع مصالح الجمارك، من إحباط محاولة "
    "لتهريب كمية من مخدر الشيرا كانت مخبأة بعناية داخل شحنة من الخضر على متن شاحنة للنقل الدولي "
    "متجهة نحو إسبانيا، وتم توقيف السائق ووضعه تحت تدابير الحراسة النظرية.",
    5,
)
FLOODS: Entry = (
    "b-floods",
    "أمطار غزيرة تغمر عددا من أحياء مدينة آسفي وتعطل حركة السير",
    "غمرت السيول الناتجة عن أمطار رعدية غزيرة عددا من الأحياء المنخفضة بمدينة آسفي، ما أدى إلى "
    "تعطيل حركة السير وتدخل فرق الوقاية المدنية لإجلاء عدد من الأسر، دون تسجيل إصابات.",
    4,
)
GERMANY = ambassador("a-germany", "ألمانيا", 6)
NETHERLANDS = ambassador("b-netherlands", "هولندا", 6)
GERMANY_COPY: Entry = ("b-germany", GERMANY[1], GERMANY[2], 1)


def rss(*entries: Entry) -> bytes:
    body = "".join(
        f"<item><title>{escape(title)}</title><link>https://news.example/{guid}</link>"
        f"<guid isPermaLink='false'>{guid}</guid>"
        f"<pubDate>{format_datetime(NOW - timedelta(hours=hours))}</pubDate>"
        f"<description>{escape(lead)}</description></item>"
        for guid, title, lead, hours in entries
    )
    return f"<rss version='2.0'><channel><title>t</title>{body}</channel></rss>".encode()


def write_config(tmp_path: Path, server: HTTPTestServer) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[database]
url = "sqlite:///marsad.db"
[polling]
timeout = "3s"
[[sources]]
name = "Alpha"
url = "{server.url("/alpha")}"
[[sources]]
name = "Beta"
url = "{server.url("/beta")}"
""",
        encoding="utf-8",
    )
    return path


def poll(config: Path) -> dict[str, int]:
    """`marsad poll --json` in a new process: each new item's guid -> story id."""
    result = marsad("poll", "--json", "--config", str(config), cwd=config.parent)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    return {line["url"].rsplit("/", 1)[-1]: line["story"] for line in lines}


def test_a_shared_event_is_one_story_with_two_outlets_and_survives_a_restart(
    http_server: HTTPTestServer, tmp_path: Path
) -> None:
    http_server.route("/alpha", Response(body=rss(ROME_ALPHA, SEIZURE, GERMANY), headers=FEED_TYPE))
    http_server.route(
        "/beta", Response(body=rss(ROME_BETA, FLOODS, NETHERLANDS), headers=FEED_TYPE)
    )
    config = write_config(tmp_path, http_server)
    empty = marsad("stories", "--config", str(config), cwd=tmp_path)
    assert (empty.returncode, empty.stdout) == (0, "no stories in that period\n")

    first = poll(config)
    assert set(first) == {"a-rome", "a-seizure", "a-germany", "b-rome", "b-floods", "b-netherlands"}
    assert all(isinstance(story, int) for story in first.values())
    assert first["a-rome"] == first["b-rome"], "one event told by two outlets"
    others = [first[key] for key in ("a-seizure", "a-germany", "b-floods", "b-netherlands")]
    assert len({first["a-rome"], *others}) == 5, "every other event is a story of its own"

    http_server.route(
        "/beta", Response(body=rss(GERMANY_COPY, ROME_BETA, FLOODS, NETHERLANDS), headers=FEED_TYPE)
    )
    second = poll(config)
    assert second == {"b-germany": first["a-germany"]}, "the index is rebuilt after a restart"

    listed = marsad("stories", "--json", "--since", "2d", "--config", str(config), cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    stories = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(stories) == 5
    top = stories[:2]
    assert {s["story"] for s in top} == {first["a-rome"], first["a-germany"]}
    assert all((s["outlets"], s["sources"]) == (2, ["Alpha", "Beta"]) for s in top)
    rome = next(s for s in stories if s["story"] == first["a-rome"])
    assert rome["title"] == ROME_ALPHA[1], "the earliest report represents the story"
    assert {s["outlets"] for s in stories[2:]} == {1}

    text = marsad("stories", "--since", "2d", "--config", str(config), cwd=tmp_path)
    assert "2 outlets: Alpha, Beta" in text.stdout and ROME_ALPHA[1] in text.stdout


def test_why_two_items_are_or_are_not_one_story(
    http_server: HTTPTestServer, tmp_path: Path
) -> None:
    """`marsad stories --why` names the evidence and the decision, for links or item ids."""
    http_server.route("/alpha", Response(body=rss(ROME_ALPHA, GERMANY), headers=FEED_TYPE))
    http_server.route("/beta", Response(body=rss(ROME_BETA, NETHERLANDS), headers=FEED_TYPE))
    config = write_config(tmp_path, http_server)
    poll(config)

    def why(a: str, b: str) -> str:
        result = marsad("stories", "--why", a, b, "--config", str(config), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        return result.stdout

    same = why("https://news.example/a-rome", "https://news.example/b-rome")
    assert "stored: one story" in same
    assert "shared words, weighed by rarity (cosine)" in same
    assert "→ one story: the score reaches the threshold" in same
    other = why("https://news.example/a-germany", "https://news.example/b-netherlands")
    assert "stored: two stories" in other
    assert "same headline, one or two words swapped" in other
    assert "→ different stories" in other
    missing = marsad("stories", "--why", "999", "1", "--config", str(config), cwd=tmp_path)
    assert missing.returncode != 0
    assert "no stored item is '999'" in missing.stderr
