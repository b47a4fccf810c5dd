"""``marsad stories --why A B``: why two stored items are, or are not, one story."""

from __future__ import annotations

from sqlmodel import Session, col, or_, select

from marsad.bot.wiring import load_and_warn, make_matcher, open_configured_store
from marsad.errors import MarsadError
from marsad.store.engine import session
from marsad.store.stories import resolve_story
from marsad.store.tables import Item, Source
from marsad.watchers.stories import exact_reason
from marsad.watchers.stories_ingest import StoryAssigner
from marsad.watchers.story_explain import explain_verdict


class UnknownItemError(MarsadError):
    """An item reference that names no stored item."""


def find_item(s: Session, ref: str) -> Item:
    """A stored item by id, link (as stored or canonical) or guid."""
    ref = ref.strip()
    if ref.isdigit():
        found = s.get(Item, int(ref))
    else:
        found = s.exec(
            select(Item)
            .where(or_(Item.url == ref, Item.canonical_url == ref, Item.guid == ref))
            .order_by(col(Item.id))
        ).first()
    if found is None:
        raise UnknownItemError(f"no stored item is {ref!r} (give an item id, a link or a guid)")
    return found


def _describe(s: Session, label: str, item: Item) -> str:
    source = s.get(Source, item.source_id)
    name = source.name if source is not None else f"source {item.source_id}"
    when = item.published_at.strftime("%Y-%m-%d %H:%M UTC")
    story = resolve_story(s, item.story_id) if item.story_id is not None else None
    in_story = f", story #{story}" if story is not None else ""
    return f"{label}: item #{item.id} · {name} · {when}{in_story}\n   {item.title}"


def why(config_path: str | None, ref_a: str, ref_b: str) -> int:
    config = load_and_warn(config_path)
    matcher = make_matcher(config)
    kinds = {e.id: str(e.kind) for e in matcher.entities.values()}
    engine = open_configured_store(config)
    try:
        with session(engine) as s:
            a, b = find_item(s, ref_a), find_item(s, ref_b)
            if (a.published_at, a.id or 0) > (b.published_at, b.id or 0):
                a, b = b, a  # the later one is weighed as the newcomer, as at ingest
            print(_describe(s, "A", a))
            print(_describe(s, "B", b))
            assigner = StoryAssigner.for_config(config, kinds)
            index = assigner.index_at(s, max(a.fetched_at, b.fetched_at))
            old, new = assigner.story_item_of(s, a), assigner.story_item_of(s, b)
            same_story = a.story_id is not None and resolve_story(s, a.story_id) == resolve_story(
                s, b.story_id or 0
            )
            print(f"stored: {'one story' if same_story else 'two stories'}")
            print()
            reason = exact_reason(new, old)
            if reason is not None:
                print(f"→ one story: {reason}, whatever the wording")
                return 0
            index.remove(b.id or 0)  # B is weighed as it arrived: not yet counted
            if old.id not in index:
                index.add(old, a.story_id or 0)
            for line in explain_verdict(index.judge(new, old.id), index.weights):
                print(line)
            s.rollback()
    finally:
        engine.dispose()
    return 0
