"""Build hook: compile the tokeniser `marsad/matching/_scan.c` when a C compiler is there.

The extension is optional, as PyYAML's libyaml binding is: where it cannot be built the
package installs all the same and `marsad.matching.normalise` takes its pure-Python path,
which gives the same tokens (tests/matching/test_scan_compiled.py).  An editable install
writes the module next to its source; a wheel carries it and gets a platform tag.
"""

from __future__ import annotations

import shlex
import subprocess
import sysconfig
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = Path("marsad") / "matching" / "_scan.c"


def compile_scanner(root: Path) -> tuple[Path | None, str]:
    """Compile the extension in place: its path, or None and why not."""
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    linker = sysconfig.get_config_var("LDSHARED")
    if not suffix or not linker:
        return None, "this Python has no C build configuration"
    source = root / SOURCE
    target = source.with_name("_scan" + suffix)
    include = sysconfig.get_paths()["include"]
    command = [*shlex.split(linker), "-O2", "-fPIC", f"-I{include}", str(source), "-o", str(target)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as error:
        return None, f"{command[0]}: {error}"
    if done.returncode != 0:
        return None, done.stderr.strip() or f"{command[0]} exited {done.returncode}"
    return target, ""


class CompiledScannerHook(BuildHookInterface):  # type: ignore[type-arg]
    """Compiles the scanner; never fails the build (the pure-Python path stands in)."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        target, problem = compile_scanner(root)
        if target is None:
            self.app.display_warning(
                f"marsad: the compiled tokeniser was not built ({problem}); "
                "matching runs on the pure-Python path, slower but the same"
            )
            return
        if version != "editable":
            build_data["pure_python"] = False
            build_data["infer_tag"] = True
            build_data["artifacts"].append(str(target.relative_to(root)))
