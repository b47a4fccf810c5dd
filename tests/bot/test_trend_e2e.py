"""``/trend`` through the fake Bot API: the chart comes back as a sendPhoto PNG (its size, its
bars, the recorded spike's day shaded) with a caption counting the stories; a query and two
entities compared; bad input answered with text and no photo; and ``marsad trend -o`` writes
the same chart to a file."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlmodel import select
from telegram.ext import CallbackContext

from marsad.bot.app import _digest_tick
from marsad.bot.cli import main
from marsad.bot.trend_chart import COLOURS, MARGINS, SHADE
from marsad.store.chats import ChatInfo, ChatType, Language, add_subscription, register_chat
from marsad.store.chats import SubscriptionKind as Kind
from marsad.store.delivery import OutboxRow
from marsad.store.spikes import Spike, SpikeTarget, SpikeWindow, record_spike
from tests.bot.conftest import NOW, Bot, World, start_bot, until
from tests.bot.test_digests import restore_logging  # noqa: F401 - a fixture used below
from tests.fakebot import FakeTelegram, SentFile

CASABLANCA = ZoneInfo("Africa/Casablanca")


def rgb(colour: str) -> tuple[int, int, int]:
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


def fill(world: World) -> None:
    """@spain: three lone stories in the last 7 days (two on 20 Nov), one 10 days ago; a day's
    spike recorded on 20 Nov; @hammouchi: one story today."""
    world.add_item("وفد من إسبانيا في الرباط", ago=timedelta(hours=1))
    world.add_item("إسبانيا تشيد بالتعاون", ago=timedelta(days=2), source="Wasit")
    world.add_item("Spain and Morocco sign a deal", ago=timedelta(days=2, hours=1))
    world.add_item("إسبانيا والمغرب قبل أيام", ago=timedelta(days=10))
    world.add_item("حموشي يستقبل وفدا", ago=timedelta(hours=3))
    start = datetime(2026, 11, 20, tzinfo=CASABLANCA)
    with world.session() as s:
        spike = Spike(
            target_kind=SpikeTarget.ENTITY.value,
            target="spain",
            window=SpikeWindow.DAY.value,
            window_start=start,
            window_end=start + timedelta(days=1),
            count=2,
            baseline=0.2,
            p_value=1e-4,
            story_ids=[],
            detected_at=world.clock.now,
        )
        assert record_spike(s, spike) is not None
        s.commit()


async def photo(bot: Bot, text: str, chat_id: int = 42, language: str = "en") -> SentFile:
    files = len(bot.server.files)
    bot.server.push_message(chat_id, text, language_code=language)
    await until(lambda: len(bot.server.files) > files)
    sent = bot.server.files[-1]
    assert sent.method == "sendPhoto"
    assert sent.data.startswith(b"\x89PNG\r\n\x1a\n")
    return sent


def shaded_days(image: Image.Image, days: int) -> set[int]:
    """The days whose column is shaded just below the plot's top, above the highest bar (by
    the middle of each shaded run, whose edge pixels may fall either side of a day's border)."""
    width, height = image.size
    left, right = MARGINS[0] * width, MARGINS[1] * width
    per_day = (right - left) / days
    shade = rgb(SHADE)
    row = int((1 - MARGINS[3]) * height) + 5
    xs = [x for x in range(width) if image.getpixel((x, row)) == shade]
    runs: list[list[int]] = []
    for x in xs:
        if runs and x == runs[-1][-1] + 1:
            runs[-1].append(x)
        else:
            runs.append([x])
    assert all(len(run) >= per_day - 3 for run in runs)  # a whole day's width each
    return {int(((run[0] + run[-1]) / 2 - left) // per_day) for run in runs}


async def test_trend_of_an_entity_is_a_photo_with_its_spike_shaded(bot: Bot) -> None:
    fill(bot.world)
    sent = await photo(bot, "/trend @spain 7d")
    assert sent.caption == (
        "إسبانيا: 3 stories in the last 7d\n1 spike, shaded on the chart"
    ).replace("إسبانيا", "<b>إسبانيا</b>")
    image = Image.open(io.BytesIO(sent.data)).convert("RGB")
    assert image.size == (800, 400)
    colours = set(image.get_flattened_data())
    assert rgb(COLOURS[0]) in colours  # the bars
    # now is 22 Nov 10:00 in Casablanca: the 7 days are 16..22 Nov, the spike's 20 Nov is day 4
    assert shaded_days(image, 7) == {4}
    assert len(bot.server.texts(42)) == 1  # the photo alone answers (its caption)


async def test_trend_of_a_query_and_a_comparison(bot: Bot) -> None:
    fill(bot.world)
    sent = await photo(bot, "/trend إسبانيا OR Spain")
    assert sent.caption == "<b>إسبانيا OR Spain</b>: 4 stories in the last 30d"
    compared = await photo(bot, "/trend @spain @hammouchi 90d", chat_id=43, language="fr")
    assert compared.caption is not None
    lines = compared.caption.replace("\u200f", "").split("\n")
    assert lines[0] == "<b>إسبانيا</b> : 4 articles sur les dernières 90d"
    assert lines[2] == "<b>عبد اللطيف حموشي</b> : 1 article sur les dernières 90d"
    image = Image.open(io.BytesIO(compared.data)).convert("RGB")
    colours = set(image.get_flattened_data())
    assert rgb(COLOURS[0]) in colours and rgb(COLOURS[1]) in colours  # two lines
    longer = await photo(bot, "/trend @spain 200d")
    assert longer.caption is not None
    assert longer.caption.endswith("A trend covers at most 90 days.")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/trend", "Write what to chart after the command"),
        (
            "/trend ma-es-securty",
            "There is no rule ma-es-securty. Did you mean /trend ma-es-security?",
        ),
        ("/trend @spian", "unknown entity @spian (did you mean @spain?)"),
        ("/trend (حموشي AND", "column"),
        ("/trend @spian @hammouchi", "did you mean @spain?"),
    ],
)
async def test_bad_input_is_answered_with_text(bot: Bot, text: str, expected: str) -> None:
    files = len(bot.server.files)
    [answer] = await bot.say(42, text, language_code="en")
    assert expected in answer
    assert len(bot.server.files) == files


@pytest.mark.usefixtures("restore_logging")
def test_marsad_trend_writes_a_png(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world.clock.now = datetime.now(CASABLANCA)
    world.add_item("وفد من إسبانيا في الرباط", ago=timedelta(hours=1))
    world.add_item("إسبانيا تشيد بالتعاون", ago=timedelta(days=2))
    out = tmp_path / "chart.png"
    assert world.config.path is not None
    config = str(world.config.path)
    argv = ["trend", "@spain", "--since", "14d", "--compare", "@hammouchi", "-o", str(out)]
    assert main([*argv, "--config", config, "--width", "640", "--height", "320"]) == 0
    printed = capsys.readouterr().out
    assert "إسبانيا: 2 distinct stories in 14 days" in printed
    assert "عبد اللطيف حموشي: 0 distinct stories in 14 days" in printed
    image = Image.open(out).convert("RGB")
    assert image.size == (640, 320)
    assert rgb(COLOURS[0]) in set(image.get_flattened_data())
    assert main(["trend", "@spian", "-o", str(tmp_path / "x.png"), "--config", config]) == 2
    assert "did you mean @spain?" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


async def test_a_busy_daily_digest_is_followed_by_its_chart_once(
    world: World, fake_telegram: FakeTelegram
) -> None:
    """Chat 44's digest has five stories of @spain: its chart follows, once, silent like the
    chat; chat 45's digest of one story comes without a chart."""
    with world.session() as s:
        for chat_id, target in ((44, "spain"), (45, "hammouchi")):
            info = ChatInfo(chat_id, ChatType.PRIVATE, None, Language.EN)
            chat, _ = register_chat(s, info, NOW - timedelta(days=3))
            chat.silent = chat_id == 44
            add_subscription(s, chat, Kind.ENTITY, target, NOW)
        s.commit()
    for n in range(5):
        world.add_item(f"إسبانيا: خبر رقم {n}", ago=timedelta(hours=n + 1))
    world.add_item("حموشي يستقبل وفدا", ago=timedelta(hours=2))
    async for bot in start_bot(fake_telegram, world):  # its digest job ticks a second after

        def queued() -> list[int]:
            with world.session() as s:
                return sorted(r.chat_id for r in s.exec(select(OutboxRow)).all())

        # the tick queues 44's digest and sends its chart, then goes on to 45's digest
        await until(lambda: any(f.method == "sendPhoto" for f in fake_telegram.files), 30)
        await until(lambda: queued() == [44, 45], 30)  # both digests are in the outbox
        await _digest_tick(CallbackContext(bot.app))  # the next tick: nothing owed, no chart
        photos = [f for f in bot.server.files if f.method == "sendPhoto"]
        assert [f.chat_id for f in photos] == [44]
        assert photos[0].caption == (
            "Stories per day of this chat's subscriptions (daily digest).\n"
            "<b>إسبانيا</b>: 5 stories in the last 14d"
        )
        [params] = [p for m, p in bot.server.calls if m == "sendPhoto"]
        assert params.get("disable_notification") in (True, "true")  # 44 is a silent chat
        image = Image.open(io.BytesIO(photos[0].data)).convert("RGB")
        assert image.size == (800, 400)
        assert rgb(COLOURS[0]) in set(image.get_flattened_data())
