"""Alembic environment: runs against the engine handed over in ``config.attributes``."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import Engine
from sqlmodel.sql.sqltypes import AutoString

from marsad.store.archive import include_object
from marsad.store.schema import METADATA


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Autogenerate plain ``sa.String`` for SQLModel's AutoString (no sqlmodel import needed)."""
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False


config = context.config
engine = config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("run migrations through marsad.store.migrate (no engine given)")

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=METADATA,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()
