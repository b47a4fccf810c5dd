"""The C extensions of matching (`_scan`, `_keys`, `_gate`, `_words`), each optional.

`hatch_build.py` compiles them at install where a C compiler is there; where one was not
built, its caller takes the pure-Python path, which gives the same results.
"""

from __future__ import annotations

import importlib
from typing import Any


def compiled(module: str, name: str) -> Any:
    """`name` of the extension `marsad.matching.<module>`, or None where it was not built."""
    try:
        return getattr(importlib.import_module(f"marsad.matching.{module}"), name)
    except ImportError:
        return None
