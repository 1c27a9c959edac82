"""The terminal drill: due cards first, then a few new ones; reveal on a key press, grade 0-5,
schedule with SM-2, save after every grade (quitting midway keeps what was graded).

The clock (`today`) and the terminal (`DrillIO`) are passed in, so tests drive a whole
session with scripted keys on a chosen date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from .bank import Entry
from .progress import Progress
from .schema import TRACKS
from .sm2 import is_due, review

GRADES = ("0 blank", "1 wrong, but familiar", "2 wrong, but close", "3 right, with effort",
          "4 right, after a pause", "5 right, at once")


@dataclass(frozen=True)
class DrillIO:
    """How the drill talks to a person: print a block of text, read one key."""

    show: Callable[[str], None]
    key: Callable[[], str]


@dataclass(frozen=True)
class DrillResult:
    """What a session did."""

    progress: Progress
    graded: int
    repeated: int
    quit: bool


def pick(bank: tuple[Entry, ...], progress: Progress, today: date, track: str | None = None,
         level: str | None = None, new: int = 5) -> list[Entry]:
    """Cards for today: the due ones (most overdue first), then up to `new` never-seen ones."""
    chosen = [e for e in bank if (track is None or e.question.track == track)
              and (level is None or e.question.level == level)]
    due = sorted((e for e in chosen if is_due(progress.card(e.question.id), today)),
                 key=lambda e: progress.card(e.question.id).due or today)
    fresh = [e for e in chosen if progress.card(e.question.id).due is None][:max(new, 0)]
    return due + fresh


def card_text(e: Entry, n: int, total: int) -> str:
    q = e.question
    return (f"\n[{n}/{total}] {TRACKS[q.track]} · {q.level} · {q.title}\n\n"
            f"{e.text('scenario').strip()}\n\nQ: {e.text('question').strip()}\n")


def answer_text(e: Entry) -> str:
    steps = "\n".join(f"- {s.say}: {s.text}" for s in e.steps)
    return f"\n{e.text('answer').strip()}\n" + (f"\nNapkin math:\n\n{steps}\n" if steps else "")


def _grade(io: DrillIO) -> int | None:
    io.show("Grade yourself: " + " | ".join(GRADES) + "  (q quits)")
    while True:
        k = io.key().strip().lower()
        if k == "q":
            return None
        if k in "012345" and len(k) == 1:
            return int(k)
        io.show(f"'{k}' is not a grade; press 0-5 or q.")


def run(cards: list[Entry], progress: Progress, today: date, io: DrillIO,
        save: Callable[[Progress], None]) -> DrillResult:
    """Ask each card; grades below 4 are asked again at the end of the session (SM-2 step 7)
    without changing the schedule a second time."""
    queue, graded, repeated = [(e, False) for e in cards], 0, 0
    i = 0
    while i < len(queue):
        e, again = queue[i]
        i += 1
        io.show(card_text(e, i, len(queue)) + ("(again today)\n" if again else ""))
        io.show("Press any key to reveal the answer (q quits).")
        if io.key().strip().lower() == "q":
            return DrillResult(progress, graded, repeated, True)
        io.show(answer_text(e))
        grade = _grade(io)
        if grade is None:
            return DrillResult(progress, graded, repeated, True)
        if again:
            repeated += 1
        else:
            graded += 1
            card = review(progress.card(e.question.id), grade, today)
            progress = progress.with_card(e.question.id, card)
            save(progress)
            io.show(f"Next review: {card.due.isoformat()} (in {card.interval} day(s)).")
        if grade < 4:
            queue.append((e, True))
    return DrillResult(progress, graded, repeated, False)


@dataclass(frozen=True)
class TrackStats:
    """Counts for one track (or all of them)."""

    name: str
    total: int
    new: int
    due: int
    learning: int
    mean_ef: float | None


def stats(bank: tuple[Entry, ...], progress: Progress, today: date) -> list[TrackStats]:
    """Per-track counts plus a final `all` row."""
    rows = []
    for name in (*TRACKS, "all"):
        ids = [e.question.id for e in bank if name == "all" or e.question.track == name]
        if not ids:
            continue
        cards = [progress.card(i) for i in ids]
        seen = [c for c in cards if c.due is not None]
        rows.append(TrackStats(name, len(ids), len(cards) - len(seen),
                               sum(is_due(c, today) for c in cards),
                               sum(c.reps > 0 for c in seen),
                               sum(c.ef for c in seen) / len(seen) if seen else None))
    return rows
