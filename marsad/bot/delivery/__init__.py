"""Delivery to Telegram: the outbox, the sender that drains it, message formatting."""
