"""The drill's progress file: one JSON document, the same format the browser's practice mode
exports, so progress moves between the terminal and the browser.

A file that cannot be read back (bad JSON, wrong shape) is never a traceback: it is renamed
to `progress.json.corrupt-<time>` and the drill starts fresh, saying so.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .errors import ProgressError
from .sm2 import Card

FORMAT = "mlsys-interviews-progress"
VERSION = 1
ENV = "MLSYS_INTERVIEWS_PROGRESS"


@dataclass(frozen=True)
class Progress:
    """Every question's schedule, by question id."""

    cards: dict[str, Card] = field(default_factory=dict)

    def card(self, qid: str) -> Card:
        return self.cards.get(qid, Card())

    def with_card(self, qid: str, card: Card) -> Progress:
        return Progress({**self.cards, qid: card})


def default_path() -> Path:
    """`$MLSYS_INTERVIEWS_PROGRESS`, else the user's data directory (platformdirs)."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    import platformdirs

    return platformdirs.user_data_path("mlsys", appauthor=False) / "interviews" / "progress.json"


def _day(v: Any) -> date | None:
    return None if v is None else date.fromisoformat(v)


def to_json(p: Progress) -> str:
    cards = {qid: {"ef": round(c.ef, 4), "reps": c.reps, "interval": c.interval,
                   "due": c.due.isoformat() if c.due else None,
                   "last": c.last.isoformat() if c.last else None, "lapses": c.lapses}
             for qid, c in sorted(p.cards.items())}
    return json.dumps({"format": FORMAT, "version": VERSION, "cards": cards}, indent=1)


def from_json(text: str) -> Progress:
    """Parse a progress document; anything unexpected raises `ValueError` saying what."""
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"not an {FORMAT} file")
    if data.get("version") != VERSION:
        raise ValueError(f"version {data.get('version')!r}, expected {VERSION}")
    raw = data.get("cards")
    if not isinstance(raw, dict):
        raise ValueError("'cards' must be an object")
    cards = {}
    for qid, c in raw.items():
        try:
            cards[str(qid)] = Card(float(c["ef"]), int(c["reps"]), int(c["interval"]),
                                   _day(c.get("due")), _day(c.get("last")), int(c.get("lapses", 0)))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"card '{qid}': {exc}") from None
    return Progress(cards)


def load_progress(path: Path) -> tuple[Progress, str | None]:
    """The saved progress, plus a message when a corrupt file had to be set aside."""
    if not path.exists():
        return Progress(), None
    try:
        return from_json(path.read_text(encoding="utf-8")), None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        backup = path.with_name(f"{path.name}.corrupt-{datetime.now():%Y%m%d-%H%M%S}")
        try:
            path.replace(backup)
        except OSError as err:
            raise ProgressError(f"{path}: unreadable ({exc}) and cannot be moved aside: {err}") from None
        return Progress(), (f"{path}: progress file was unreadable ({exc}); kept it as "
                            f"{backup.name} and started afresh")


def save_progress(path: Path, progress: Progress) -> None:
    """Write atomically (temporary file, then rename), so a crash never leaves half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".progress-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(to_json(progress))
        os.replace(tmp, path)
    except OSError as exc:
        raise ProgressError(f"{path}: cannot save progress: {exc}") from None
