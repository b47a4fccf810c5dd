"""Build hook: compile matching's C fast paths when a C compiler is there.

`marsad/matching/_scan.c` is the tokeniser, `_keys.c` the exact-key table, `_gate.c` the
fuzzy gate and `_words.c` the archive index's proclitic cutter.  Each extension is optional,
as PyYAML's libyaml binding is: where one cannot be built the package installs all the same
and takes its pure-Python path, which gives the same results (tests/matching/test_*_compiled.py,
tests/store/test_archive_words_compiled.py).  An editable install writes the modules next to
their sources; a wheel carries them and gets a platform tag.
"""

from __future__ import annotations

import shlex
import subprocess
import sysconfig
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCES = tuple(
    Path("marsad") / "matching" / name for name in ("_scan.c", "_keys.c", "_gate.c", "_words.c")
)


def compile_extension(root: Path, name: Path) -> tuple[Path | None, str]:
    """Compile one extension in place: its path, or None and why not."""
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    linker = sysconfig.get_config_var("LDSHARED")
    if not suffix or not linker:
        return None, "this Python has no C build configuration"
    source = root / name
    target = source.with_name(source.stem + suffix)
    include = sysconfig.get_paths()["include"]
    command = [*shlex.split(linker), "-O2", "-fPIC", f"-I{include}", str(source), "-o", str(target)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as error:
        return None, f"{command[0]}: {error}"
    if done.returncode != 0:
        return None, done.stderr.strip() or f"{command[0]} exited {done.returncode}"
    return target, ""


class CompiledMatchingHook(BuildHookInterface):  # type: ignore[type-arg]
    """Compiles the extensions; never fails the build (the pure-Python paths stand in)."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        for name in SOURCES:
            target, problem = compile_extension(root, name)
            if target is None:
                self.app.display_warning(
                    f"marsad: {name} was not compiled ({problem}); "
                    "matching runs on the pure-Python path, slower but the same"
                )
                continue
            if version != "editable":
                build_data["pure_python"] = False
                build_data["infer_tag"] = True
                build_data["artifacts"].append(str(target.relative_to(root)))
