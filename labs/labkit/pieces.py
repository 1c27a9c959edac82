"""Page pieces every lab builds from (question, prediction, reveal, verdict, ...) and number formatting."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import marimo as mo
from mlsysim import format_quantity

from .labs_yaml import info


def header(name: str, question: str) -> mo.Html:
    """Title, the chapter this lab belongs to, and the one question it answers."""
    lab = info(name)
    return mo.md(
        f"# {lab.title}\n\n"
        f"<small>Lab for [{lab.chapter}]({lab.href}) · every number below is computed by "
        f"`mlsysim`</small>\n\n"
        f"**The question.** {question}"
    )


def prediction(question: str, options: Sequence[str]) -> mo.ui.radio:
    """A radio group with nothing selected: the answer stays hidden until the learner picks."""
    return mo.ui.radio(options=list(options), value=None, label=f"**Predict first.** {question}")


def reveal(guess: mo.ui.radio, correct: str, explanation: str) -> mo.Html:
    """The answer, shown only once a prediction is committed, and whether it was right.

    Hiding it is the point: a prediction made after seeing the answer teaches nothing."""
    if guess.value is None:
        return mo.callout(mo.md("Commit a prediction above to reveal the answer."), kind="neutral")
    right = guess.value == correct
    verdict = "Your prediction was right." if right else (
        f"You predicted *{guess.value}*; the answer is *{correct}*.")
    return mo.callout(mo.md(f"**{verdict}** {explanation}"), kind="success" if right else "warn")


def verdict(ok: bool, passed: str, failed: str) -> mo.Html:
    """The design challenge's pass/fail callout: green when solved, red with the reason if not."""
    if ok:
        return mo.callout(mo.md(f"**PASS.** {_sentence(passed)}"), kind="success")
    return mo.callout(mo.md(f"**FAIL.** {_sentence(failed)}"), kind="danger")


def _sentence(text: str) -> str:
    """Upper-case the first letter only (str.capitalize would lower-case device names)."""
    return text[:1].upper() + text[1:]


def infeasible(reason: str) -> mo.Html:
    """mlsysim refused a configuration: show its reason, never a traceback."""
    return mo.callout(mo.md(f"**Infeasible.** {reason}"), kind="danger")


def challenge(task: str) -> mo.Html:
    """The design challenge statement, set apart so learners know what they must fix."""
    return mo.md(f"## Design challenge\n\n{task}")


def summary(name: str, points: Iterable[str]) -> mo.Html:
    """The closing takeaways, linking back to the chapter to read next."""
    lab = info(name)
    bullets = "\n".join(f"- {p}" for p in points)
    return mo.md(f"## What to take away\n\n{bullets}\n\n"
                 f"Read more in [{lab.chapter}]({lab.href}).")


def stats(items: dict[str, str]) -> mo.Html:
    """A row of labelled figures (label -> formatted value)."""
    return mo.hstack([mo.stat(value=v, label=k, bordered=True) for k, v in items.items()],
                     wrap=True, justify="start")


def table(rows: Sequence[dict[str, Any]]) -> mo.Html:
    """A small Markdown table from dictionaries that share keys (values already formatted)."""
    if not rows:
        return mo.md("")
    keys = list(rows[0])
    out = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    out += ["| " + " | ".join(str(r[k]) for k in keys) + " |" for r in rows]
    return mo.md("\n".join(out))


def note(text: str) -> mo.Html:
    """A neutral aside (an assumption the model makes, a hint for the challenge)."""
    return mo.callout(mo.md(text), kind="info")


def models(kind: str) -> list[str]:
    """Registry models of one kind: 'llm' (decoder language models), 'cnn' or 'transformer'."""
    import mlsysim

    out = []
    for name in mlsysim.list_models():
        m = mlsysim.model(name)
        if kind == "llm" and m.kind == "transformer" and m.vocab and not m.vit:
            out.append(name)
        elif kind != "llm" and m.kind == kind:
            out.append(name)
    return out


def precision_for(device: str, prefer: Sequence[str] = ("bf16", "fp16", "fp32")) -> str:
    """The first number format in `prefer` that the device has a peak rate for (a V100 has
    no bf16, a microcontroller no fp16), so a lab never asks mlsysim for a missing peak."""
    import mlsysim

    flops = mlsysim.hardware(device).flops
    return next((p for p in prefer if p in flops), next(iter(flops)))


# Thin names over mlsysim's one formatter, so a lab's numbers read exactly like the book's.
def fmt_bytes(n: float) -> str:
    """Decimal units, as hardware data sheets use: 80e9 -> '80 GB'."""
    return format_quantity(n, "B")


def fmt_flops(n: float, per_second: bool = False) -> str:
    return format_quantity(n, "FLOP/s" if per_second else "FLOP")


def fmt_rate(n: float, unit: str) -> str:
    return format_quantity(n, unit)


def fmt_time(t: float) -> str:
    """Seconds to the unit a person would say: 0.0021 -> '2.1 ms', 90000 -> '25 h'."""
    return format_quantity(t, "s")
