"""The question schema: what one YAML file under `interviews/questions/<track>/` must hold.

Pydantic checks shapes and words here; `loader.py` turns its complaints into `file:line`
messages, and `napkin.py` evaluates the math. Unknown keys are errors, so a typo such as
`folow_ups` is caught instead of silently dropping the follow-ups.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: Track id -> the title readers see.
TRACKS: dict[str, str] = {
    "silicon": "Silicon & accelerators",
    "memory": "Memory & data movement",
    "distributed": "Distributed training",
    "serving": "Serving & inference",
    "operations": "ML operations & reliability",
    "edge": "Edge & TinyML",
    "efficiency": "Efficiency & compression",
}

#: Level -> what a candidate at that level is expected to reason about.
LEVELS: dict[str, str] = {
    "L3": "Applies a formula to a given system and gets the number right.",
    "L4": "Finds the bottleneck and sizes a fix.",
    "L5": "Designs a system under constraints and weighs the trade-offs.",
    "L6": "Reasons at fleet or multi-team scope: cost, risk, roadmap, and when to break the usual rules.",
}

Track = Literal["silicon", "memory", "distributed", "serving", "operations", "edge", "efficiency"]
Level = Literal["L3", "L4", "L5", "L6"]

KEBAB = r"^[a-z0-9]+(-[a-z0-9]+)*$"
#: `{{ name }}` placeholders in prose, replaced by a napkin step's formatted value.
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
#: The model answer's four parts, in this order.
ANSWER_PARTS = ("Assumptions", "Estimate", "Bottleneck", "Design")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class NapkinStep(_Strict):
    """One step of napkin math: an mlsysim expression, its unit and the figures shown."""

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    say: str = Field(min_length=1)
    expr: str = Field(min_length=1)
    unit: str = ""
    round: int = Field(default=3, ge=1, le=6)
    #: optional: the value the author computed by hand; `check` compares it at `round` figures
    expect: float | None = None


class Mistake(_Strict):
    """A common mistake: what people do, why they do it, what it costs."""

    mistake: str = Field(min_length=1)
    why: str = Field(min_length=1)
    cost: str = Field(min_length=1)


class Links(_Strict):
    """Where the curriculum teaches this: chapters, labs and TinyTorch modules."""

    chapters: list[str] = Field(default_factory=list)
    labs: list[str] = Field(default_factory=list)
    modules: list[str] = Field(default_factory=list)

    @field_validator("chapters")
    @classmethod
    def _chapter_form(cls, v: list[str]) -> list[str]:
        for c in v:
            if not re.fullmatch(r"vol[12]/[a-z0-9_]+", c):
                raise ValueError(f"'{c}' is not <volume>/<chapter file stem> such as vol1/serving")
        return v

    @field_validator("modules", mode="before")
    @classmethod
    def _module_form(cls, v: object) -> object:
        if isinstance(v, list):
            for m in v:
                if not (isinstance(m, str) and re.fullmatch(r"\d\d", m)):
                    raise ValueError(f"{m!r} is not a two-digit TinyTorch module number in quotes, e.g. \"14\"")
        return v


class Question(_Strict):
    """One interview question, as written in its YAML file."""

    id: str = Field(pattern=KEBAB)
    track: Track
    level: Level
    tags: list[str] = Field(min_length=1)
    title: str = Field(min_length=1)
    scenario: str = Field(min_length=1)
    question: str = Field(min_length=1)
    answer: str = Field(min_length=1)
    napkin: list[NapkinStep] = Field(default_factory=list)
    follow_ups: list[str] = Field(default_factory=list)
    mistakes: list[Mistake] = Field(default_factory=list)
    links: Links = Field(default_factory=Links)

    @field_validator("tags")
    @classmethod
    def _tags_kebab(cls, v: list[str]) -> list[str]:
        for t in v:
            if not re.fullmatch(KEBAB, t):
                raise ValueError(f"tag '{t}' is not kebab-case (lower-case words joined by -)")
        return v

    @field_validator("answer")
    @classmethod
    def _answer_order(cls, v: str) -> str:
        at = [v.find(f"**{p}") for p in ANSWER_PARTS]
        if -1 in at or at != sorted(at):
            raise ValueError("the answer must have the bold parts **Assumptions**, **Estimate**, "
                             "**Bottleneck**, **Design** in this order")
        return v

    @model_validator(mode="after")
    def _names_resolve(self) -> Question:
        names = [s.name for s in self.napkin]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"napkin step names must be unique; repeated: {', '.join(sorted(dup))}")
        for fld in ("scenario", "question", "answer"):
            for ref in PLACEHOLDER.findall(getattr(self, fld)):
                if ref not in names:
                    raise ValueError(f"{fld} quotes {{{{ {ref} }}}} but no napkin step is named '{ref}'")
        return self
