"""Shared fixtures: real local servers and real databases."""

from __future__ import annotations

pytest_plugins = ["tests.httpserver"]
