"""Run the ``marsad`` command line as a user does: a new process, without a Telegram token."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without a bot token (console mode), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k != "MARSAD_TELEGRAM_TOKEN"}
    return {**env, **extra}


def marsad(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``marsad ARGS`` in ``cwd``; output captured as text, never raising on a failure exit."""
    return subprocess.run(
        [sys.executable, "-m", "marsad", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=clean_env(),
        check=False,
    )
