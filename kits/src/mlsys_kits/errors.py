"""One exception root for the kits, so the CLI catches a single type and never shows a
traceback for a user's mistake (unknown board, missing toolchain, a model that does not fit).

    KitError
     +-- UnknownKitError      a board name not in kits/boards (lists the closest names)
     +-- KitFileError         a kit.yaml with a bad or missing field (file and line)
     +-- ToolchainMissing     a compiler/emulator/flasher absent (names the Debian package)
     +-- DoesNotFit           a firmware over the board's flash or RAM (by how much)
     +-- RunFailed            a built program exited non-zero or printed the wrong thing
     +-- BoardNotConnected    flash/deploy target not reachable
"""

from __future__ import annotations


class KitError(Exception):
    """Root of every error the kits raise on purpose."""


class UnknownKitError(KitError):
    def __init__(self, name: str, close: list[str], known: list[str]) -> None:
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        super().__init__(f"unknown kit {name!r}{hint} (kits: {', '.join(known)})")


class KitFileError(KitError):
    """A kit source file is wrong; the message starts with `file:line:`."""


class ToolchainMissing(KitError):
    def __init__(self, tool: str, package: str, why: str) -> None:
        super().__init__(f"{tool} not found (needed to {why}); install it with "
                         f"`apt-get install -y {package}`")
        self.tool, self.package = tool, package


class DoesNotFit(KitError):
    """A firmware over a board limit; carries every failing line."""


class RunFailed(KitError):
    """A built program did not run cleanly or its output did not match the reference."""


class BoardNotConnected(KitError):
    """No board (or host) answered where one was expected."""
