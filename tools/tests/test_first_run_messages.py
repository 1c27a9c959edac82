"""Messages a new author meets on a first build: one problem per cause, and clear verdicts."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from mlsys.model import BuildError
from mlsys.pipeline import render_book


def write(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text).lstrip())
    return root


BOOK = {
    "_quarto.yml": """
        project:
          type: book
        book:
          title: Failing cell
          chapters: [index.qmd, results.qmd]
        """,
    "index.qmd": "# Preface\n\nSee @fig-loss.\n",
    "results.qmd": """
        # Results

        ```{python}
        losses = load_losses()  # fails: the figure below never gets its data
        ```

        ```{python}
        #| label: fig-loss
        #| fig-cap: "Loss"
        import matplotlib.pyplot as plt
        plt.plot(losses)
        ```

        As @fig-loss shows, and @fig-missing does not exist.
        """,
}


def test_a_failed_cell_is_reported_once_without_knock_on_unresolved_references(tmp_path):
    root = write(tmp_path / "book", BOOK)
    with pytest.raises(BuildError) as exc:
        render_book(root, cache_dir=tmp_path / "cache")
    messages = [p.message for p in exc.value.problems]
    assert any(m.startswith("code cell failed: NameError") for m in messages), messages
    assert not any("@fig-loss" in m for m in messages), messages
    # a reference to a label no cell ever had is still reported
    assert any(m == "unresolved cross-reference @fig-missing" for m in messages), messages
