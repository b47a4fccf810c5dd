"""Telegram command and button handlers, one module per concern."""
