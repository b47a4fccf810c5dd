"""Which rules and entities each stored item matched (written once, at ingest)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, UniqueConstraint, insert
from sqlmodel import Field, Session, SQLModel, col, select


class MatchKind(StrEnum):
    """What an item matched: a rule of the rule files, or an entity."""

    RULE = "rule"
    ENTITY = "entity"


class ItemMatch(SQLModel, table=True):
    """One (item, rule) or (item, entity) pair; digests and `/subscribe` counts read these."""

    __tablename__ = "item_matches"
    __table_args__ = (UniqueConstraint("item_id", "kind", "key", name="uq_item_matches"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(
        sa_column=Column(Integer, ForeignKey("items.id", ondelete="CASCADE"), nullable=False)
    )
    kind: str = Field(max_length=16)
    key: str = Field(max_length=200, index=True)


def record_matches(
    session: Session, item_id: int, rules: Iterable[str], entities: Iterable[str]
) -> None:
    """Store what one item matched."""
    record_many_matches(session, [(item_id, rules, entities)])


def record_many_matches(
    session: Session, matched: Iterable[tuple[int, Iterable[str], Iterable[str]]]
) -> None:
    """Store what items matched: ``(item id, rule ids, entity ids)`` each, in one statement."""
    rows = [
        {"item_id": item_id, "kind": kind.value, "key": key}
        for item_id, rules, entities in matched
        for kind, key in sorted(
            {(MatchKind.RULE, r) for r in rules} | {(MatchKind.ENTITY, e) for e in entities}
        )
    ]
    if rows:
        session.execute(insert(ItemMatch), rows)


def matches_of(session: Session, item_ids: Iterable[int]) -> dict[int, dict[MatchKind, list[str]]]:
    """Rules and entities matched by each of ``item_ids`` (sorted), for reports and digests."""
    wanted = list(item_ids)
    found: dict[int, dict[MatchKind, list[str]]] = defaultdict(
        lambda: {MatchKind.RULE: [], MatchKind.ENTITY: []}
    )
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = session.exec(
            select(ItemMatch).where(col(ItemMatch.item_id).in_(chunk)).order_by(col(ItemMatch.key))
        ).all()
        for row in rows:
            found[row.item_id][MatchKind(row.kind)].append(row.key)
    return dict(found)
