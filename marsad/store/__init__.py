"""Persistence with SQLModel: engine, tables, queries, migrations (imports no watchers/bot)."""
