"""The interview pages as a Quarto book project: `generate(dest, root)` is the `generate:`
hook of curriculum.yml (kind: quarto). The site engine renders what this writes.

Pages: `index.qmd` (every question, with client-side filters by track, level and tag),
`practice.qmd` (SM-2 practice in the browser, progress in localStorage) and one
`q/<id>.qmd` per question with the answer and napkin math behind `<details>` reveals.
The small JS and CSS are our own files, copied next to the pages (no CDN).
"""

from __future__ import annotations

import html
import shutil
from importlib import resources
from pathlib import Path

import yaml

from .bank import Entry, load_bank
from .catalog import Catalog, load_catalog
from .drill import GRADES
from .schema import LEVELS, TRACKS

ASSETS = ("interviews.css", "interviews.js", "practice.js")


def _attr(text: str) -> str:
    return html.escape(text, quote=True)


def _part_urls(root: Path) -> dict[str, str]:
    """Site folders of the parts questions link into (from curriculum.yml)."""
    urls = {"vol1": "book/", "labs": "labs/", "tinytorch": "tinytorch/", "interviews": "interviews/"}
    try:
        data = yaml.safe_load((root / "curriculum.yml").read_text(encoding="utf-8"))
        for part in data.get("parts", []):
            if isinstance(part, dict) and part.get("id") in urls and part.get("url"):
                urls[part["id"]] = str(part["url"])
    except (OSError, yaml.YAMLError, AttributeError):
        pass
    return urls


def _link_lines(e: Entry, catalog: Catalog, urls: dict[str, str]) -> list[str]:
    """Markdown bullets linking a question page (at interviews/q/<id>.html) to what teaches it."""
    up = "../" * (urls["interviews"].strip("/").count("/") + 2)
    out = []
    for ch in e.question.links.chapters:
        vol = "Volume I" if ch.startswith("vol1/") else "Volume II"
        out.append(f"- {vol}: [{catalog.titles.get(ch, ch)}]({up}{urls['vol1']}{ch}.html)")
    for lab in e.question.links.labs:
        out.append(f"- Lab: [{catalog.titles.get(lab, lab)}]({up}{urls['labs']}{lab}.html)")
    for num in e.question.links.modules:
        folder = catalog.modules.get(num, num)
        title = catalog.titles.get(num, folder)
        out.append(f"- TinyTorch module {num}: [{title}]({up}{urls['tinytorch']}{folder}/lesson.html)")
    return out


def _napkin_steps(e: Entry) -> list[str]:
    """The steps as a numbered list (value in bold, the mlsysim expression under it), which
    reads on a phone where a three-column table would not."""
    rows = []
    for i, s in enumerate(e.steps, 1):
        tick = "``" if "`" in s.expr else "`"
        rows += [f"{i}. {s.say}: **{s.text}**\\", f"   {tick}{s.expr}{tick}{{.iv-expr}}"]
    return rows


def _reveal(summary: str, body: list[str], cls: str) -> list[str]:
    return ["```{=html}", f'<details class="iv-reveal {cls}"><summary>{summary}</summary>', "```",
            "", *body, "", "```{=html}", "</details>", "```", ""]


def _badges(e: Entry) -> str:
    q = e.question
    tags = " ".join(f'<a class="iv-tag" href="../index.html?tag={_attr(t)}">{_attr(t)}</a>'
                    for t in q.tags)
    return (f'<p class="iv-badges"><span class="iv-track">{_attr(TRACKS[q.track])}</span> '
            f'<span class="iv-level" title="{_attr(LEVELS[q.level])}">{q.level}</span> {tags}</p>')


def question_page(e: Entry, catalog: Catalog, urls: dict[str, str]) -> str:
    """The `.qmd` of one question page."""
    q = e.question
    lines = [f"# {q.title} {{.unnumbered}}", "", "```{=html}",
             '<link rel="stylesheet" href="../interviews.css">', _badges(e), "```", "",
             "## Scenario {.unnumbered}", "", e.text("scenario"), "",
             "## Question {.unnumbered}", "", e.text("question"), ""]
    lines += _reveal("Show the model answer", [e.text("answer")], "iv-answer")
    if e.steps:
        lines += _reveal("Show the napkin math", _napkin_steps(e), "iv-napkin")
    if q.mistakes:
        body = [f"- **{m.mistake}** Why it happens: {m.why} What it costs: {m.cost}" for m in q.mistakes]
        lines += _reveal("Show common mistakes", body, "iv-mistakes")
    if q.follow_ups:
        lines += ["## Follow-ups {.unnumbered}", "", *[f"- {f}" for f in q.follow_ups], ""]
    links = _link_lines(e, catalog, urls)
    if links:
        lines += ["## Where this is taught {.unnumbered}", "", *links, ""]
    return "\n".join(lines)


def _filters(bank: tuple[Entry, ...]) -> list[str]:
    tags = sorted({t for e in bank for t in e.question.tags})
    track_opts = "".join(f'<option value="{t}">{_attr(n)}</option>' for t, n in TRACKS.items())
    level_opts = "".join(f'<option value="{lv}">{lv}</option>' for lv in LEVELS)
    tag_opts = "".join(f'<option value="{_attr(t)}">{_attr(t)}</option>' for t in tags)
    return ["```{=html}", '<link rel="stylesheet" href="interviews.css">',
            '<form class="iv-filters" id="iv-filters" aria-label="Filter questions">',
            f'<label>Track <select name="track"><option value="">All tracks</option>{track_opts}</select></label>',
            f'<label>Level <select name="level"><option value="">All levels</option>{level_opts}</select></label>',
            f'<label>Tag <select name="tag"><option value="">All tags</option>{tag_opts}</select></label>',
            f'<output id="iv-count" aria-live="polite">{len(bank)} questions</output>',
            "</form>", '<script src="interviews.js" defer></script>', "```", ""]


def index_page(bank: tuple[Entry, ...]) -> str:
    """The `.qmd` of the index: levels, filters and one card per question."""
    lines = ["# Interview playbook {.unnumbered}", "",
             "Quantitative ML-systems interview questions. Every number in an answer is computed "
             "by `mlsysim` when the site is built, so the answers stay right when the hardware "
             "registry is corrected. Filter below, open a question, or drill them with spaced "
             "repetition in [practice mode](practice.qmd) (or `mlsys interviews drill` in a "
             "terminal).", "", "## Levels {.unnumbered}", "",
             *[f"- **{lv}**: {d}" for lv, d in LEVELS.items()], "",
             "## Questions {.unnumbered}", "", *_filters(bank)]
    for e in bank:
        q = e.question
        lines += [f'::: {{.iv-card data-track="{q.track}" data-level="{q.level}" '
                  f'data-tags="{_attr(" ".join(q.tags))}"}}', "",
                  f"[{q.title}](q/{q.id}.qmd) [{TRACKS[q.track]} · {q.level} · "
                  + ", ".join(q.tags) + "]{.iv-meta}", "", ":::", ""]
    lines += ['::: {#iv-empty .iv-empty hidden="hidden"}', "No question matches these filters.", ":::"]
    return "\n".join(lines)


def practice_page(bank: tuple[Entry, ...]) -> str:
    """The `.qmd` of practice mode: every card rendered once, shown one at a time by JS."""
    lines = ["# Practice {.unnumbered}", "",
             "Spaced repetition with SM-2: reveal the answer, grade yourself from 0 (blank) to 5 "
             "(perfect), and each question comes back when you are about to forget it. Your "
             "schedule stays in this browser (localStorage): no account, no server. Export it to "
             "a file to move it to another browser, or to `mlsys interviews drill`.", "",
             "```{=html}", '<link rel="stylesheet" href="interviews.css">',
             '<div id="iv-practice" class="iv-practice" data-total="' + str(len(bank)) + '">',
             '<form class="iv-filters" id="iv-pfilters">',
             '<label>Track <select name="track"><option value="">All tracks</option>'
             + "".join(f'<option value="{t}">{_attr(n)}</option>' for t, n in TRACKS.items())
             + "</select></label>",
             '<label>Level <select name="level"><option value="">All levels</option>'
             + "".join(f'<option value="{lv}">{lv}</option>' for lv in LEVELS) + "</select></label>",
             '<label>New cards <input name="new" type="number" min="0" max="100" value="10"></label>',
             "</form>",
             '<p class="iv-status"><span id="iv-due">0</span> due today · <span id="iv-new">0</span> new · '
             '<span id="iv-left">0</span> left in this session</p>',
             '<div class="iv-tools"><button type="button" id="iv-export">Export progress</button> '
             '<label class="iv-import">Import progress <input type="file" id="iv-import" accept="application/json,.json"></label> '
             '<span id="iv-message" role="status"></span></div>',
             '<p id="iv-done" class="iv-done" hidden>Nothing is due. Come back tomorrow, or allow more new cards.</p>',
             "</div>", '<script src="practice.js" defer></script>', "```", ""]
    for e in bank:
        q = e.question
        lines += [f'::: {{.iv-pcard data-id="{q.id}" data-track="{q.track}" data-level="{q.level}" hidden="hidden"}}',
                  "", f"### {q.title} {{.unnumbered .unlisted}}", "", e.text("scenario"), "",
                  f"**{e.text('question').strip()}**" if "\n" not in e.text("question").strip()
                  else e.text("question"), "",
                  '```{=html}', '<button type="button" class="iv-show">Show answer</button>', "```", "",
                  "::: {.iv-pans hidden=\"hidden\"}", "", e.text("answer"), "",
                  f"[Full question page](q/{q.id}.qmd)", "", ":::", "", ":::", ""]
    grades = "".join(f'<button type="button" data-grade="{g}" title="{_attr(GRADES[g])}">{g}</button>'
                     for g in range(6))
    lines += ["```{=html}", '<div id="iv-grade" class="iv-grade" hidden>'
              f"<span>How well did you answer? 0 = blank, 5 = perfect</span> {grades}</div>", "```", ""]
    return "\n".join(lines)


def _quarto_yml(bank: tuple[Entry, ...]) -> str:
    chapters: list[object] = ["index.qmd", "practice.qmd"]
    for track, name in TRACKS.items():
        ids = [f"q/{e.question.id}.qmd" for e in bank if e.question.track == track]
        if ids:
            chapters.append({"part": name, "chapters": ids})
    cfg = {"project": {"type": "book"},
           "book": {"title": "Interview playbook", "chapters": chapters}, "lang": "en"}
    return "# Written by mlsys_interviews.site.generate; edit the question YAML instead.\n" + \
        yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True)


def generate(dest: Path, root: Path) -> None:
    """Write the interview pages of the repository at `root` into the empty folder `dest`."""
    bank = load_bank(root)
    catalog, urls = load_catalog(root), _part_urls(root)
    (dest / "q").mkdir(parents=True, exist_ok=True)
    (dest / "_quarto.yml").write_text(_quarto_yml(bank), encoding="utf-8")
    (dest / "index.qmd").write_text(index_page(bank), encoding="utf-8")
    (dest / "practice.qmd").write_text(practice_page(bank), encoding="utf-8")
    for e in bank:
        page = question_page(e, catalog, urls)
        (dest / "q" / f"{e.question.id}.qmd").write_text(page, encoding="utf-8")
    src = resources.files("mlsys_interviews").joinpath("assets")
    for name in ASSETS:
        with resources.as_file(src.joinpath(name)) as path:
            shutil.copyfile(path, dest / name)
