"""Single features of the renderer, each on a tiny book written into a temporary folder."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from mlsys.model import BuildError, RenderedBook
from mlsys.pipeline import render_book


def make_book(root: Path, chapters: dict[str, str], config: str = "",
              appendices: list[str] | None = None) -> Path:
    """Write a minimal Quarto book: `chapters` maps file name -> content, in order."""
    root.mkdir(parents=True, exist_ok=True)
    lines = ["project:", "  type: book", "book:", '  title: "T"', "  chapters:"]
    lines += [f"    - {name}" for name in chapters if name not in (appendices or [])]
    if appendices:
        lines += ["  appendices:", *[f"    - {a}" for a in appendices]]
    (root / "_quarto.yml").write_text("\n".join(lines) + "\n" + textwrap.dedent(config))
    for name, text in chapters.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text))
    return root


def body(book: RenderedBook, href: str) -> str:
    return next(p.body_html for p in book.pages if p.href == href)


def test_missing_image_is_a_warning_with_file_and_line_and_an_error_under_strict(
        tmp_path: Path) -> None:
    root = make_book(tmp_path / "b", {
        "index.qmd": "# Home\n\nText.\n",
        "one.qmd": "# One\n\nIntro.\n\n![Gone](img/nothere.png){#fig-gone}\n\nMore.\n",
    })
    book = render_book(root, cache_dir=tmp_path / "c")  # as in Quarto, the book still builds
    assert 'data-missing-image="img/nothere.png"' in body(book, "one.html")
    with pytest.raises(BuildError) as err:
        render_book(root, cache_dir=tmp_path / "c", strict=True)
    [problem] = err.value.problems
    assert problem.severity == "warning"
    assert problem.file.name == "one.qmd" and problem.line == 5
    assert "img/nothere.png" in problem.message


def test_all_problems_of_the_build_are_collected(tmp_path: Path) -> None:
    root = make_book(tmp_path / "b", {
        "index.qmd": "# Home\n\nSee @fig-a.\n",
        "one.qmd": "# One\n\n![x](a.png)\n",
        "two.qmd": "# Two\n\n![y](b.png)\n\n@tbl-none\n",
    })
    with pytest.raises(BuildError) as err:
        render_book(root, cache_dir=tmp_path / "c", strict=True)
    found = {(p.file.name, p.line, p.severity) for p in err.value.problems}
    assert found == {("index.qmd", 3, "warning"), ("one.qmd", 3, "warning"),
                     ("two.qmd", 3, "warning"), ("two.qmd", 5, "warning")}


def test_number_sections_false_leaves_headings_unnumbered(tmp_path: Path) -> None:
    root = make_book(tmp_path / "b", {
        "index.qmd": "# Home\n",
        "one.qmd": "# One\n\n## Part A {#sec-a}\n\nSee @sec-a.\n",
    }, config="format:\n  html:\n    number-sections: false\n")
    book = render_book(root, cache_dir=tmp_path / "c")
    html = body(book, "one.html")
    assert "header-section-number" not in html
    assert '<a href="#sec-a" class="xref">Part A</a>' in html


def test_front_matter_can_turn_numbering_off_for_one_chapter(tmp_path: Path) -> None:
    root = make_book(tmp_path / "b", {
        "index.qmd": "# Home\n",
        "one.qmd": "---\nnumber-sections: false\n---\n# One\n\n## Plain {#sec-p}\n",
        "two.qmd": "# Two\n\n## Numbered {#sec-n}\n",
    })
    book = render_book(root, cache_dir=tmp_path / "c")
    assert "header-section-number" not in body(book, "one.html")
    # Like Quarto, a chapter that turns numbering off takes no chapter number either.
    assert [p.number for p in book.pages] == [None, None, "1"]
    assert '<span class="header-section-number">1.1</span> Numbered' in body(book, "two.html")


def test_auto_ids_for_headings_without_one(tmp_path: Path) -> None:
    root = make_book(tmp_path / "b", {"index.qmd": "# Home\n",
                                      "one.qmd": "# One\n\n## Memory Wall\n"})
    book = render_book(root, cache_dir=tmp_path / "c")
    page = next(p for p in book.pages if p.href == "one.html")
    assert page.toc[0].id == "memory-wall"
    assert 'id="memory-wall"' in page.body_html


def test_content_hidden_and_unless_format(tmp_path: Path) -> None:
    root = make_book(tmp_path / "b", {"index.qmd": """\
        # Home

        ::: {.content-hidden}
        secret-one
        :::

        ::: {.content-hidden when-format="latex"}
        shown-two
        :::

        ::: {.content-visible unless-format="html"}
        secret-three
        :::

        ::: {.content-visible unless-format="pdf"}
        shown-four
        :::

        Inline [secret-five]{.content-visible when-format="pdf"} and `<b>raw-html</b>`{=html}
        and `\\LaTeX`{=latex}.

        ```{=html}
        <div class="kept-raw">raw block</div>
        ```

        ```{=tex}
        \\clearpage
        ```
        """})
    html = body(render_book(root, cache_dir=tmp_path / "c"), "index.html")
    assert "shown-two" in html and "shown-four" in html
    assert "secret" not in html
    assert "<b>raw-html</b>" in html and '<div class="kept-raw">' in html
    assert "LaTeX" not in html and "clearpage" not in html


def test_callout_options(tmp_path: Path) -> None:
    root = make_book(tmp_path / "b", {"index.qmd": """\
        # Home

        ::: {.callout-warning icon=false}
        No icon here.
        :::

        ::: {.callout-important collapse="false" title="Open by default"}
        Visible.
        :::

        ::: {.callout-caution appearance="minimal"}
        Minimal.
        :::

        ::: {#nte-first .callout-note title="Numbered note"}
        Body.
        :::

        See @nte-first.
        """})
    html = body(render_book(root, cache_dir=tmp_path / "c"), "index.html")
    warning = html.split("callout-warning")[1].split("</div>\n</div>")[0]
    assert "callout-icon" not in warning
    assert '<span class="callout-title">Warning</span>' in warning
    assert '<details class="callout callout-important callout-style-default" open>' in html
    assert "callout-style-minimal" in html
    assert '<span class="callout-title">Note 1: Numbered note</span>' in html
    assert '<a href="#nte-first" class="xref">Note 1</a>' in html


def test_table_div_and_listing_code_block(tmp_path: Path) -> None:
    root = make_book(tmp_path / "b", {"index.qmd": "# Home\n", "one.qmd": """\
        # One

        ::: {#tbl-speeds}
        | a | b |
        |---|---|
        | 1 | 2 |

        Speeds of things
        :::

        ```{#lst-hello .python lst-cap="Hello world"}
        print("hi")
        ```

        See @tbl-speeds and @lst-hello.
        """})
    html = body(render_book(root, cache_dir=tmp_path / "c"), "one.html")
    assert '<figure id="tbl-speeds" class="float float-tbl">' in html
    assert '<span class="float-prefix">Table 1.1:</span> Speeds of things' in html
    # table captions sit above the table
    assert html.index("Speeds of things") < html.index("<table")
    assert '<span class="float-prefix">Listing 1.1:</span> Hello world' in html
    assert '<a href="#tbl-speeds" class="xref">Table 1.1</a>' in html
    assert '<a href="#lst-hello" class="xref">Listing 1.1</a>' in html


def test_figure_div_with_fig_cap_attribute_and_links_to_pages(tmp_path: Path) -> None:
    root = make_book(tmp_path / "b", {
        "index.qmd": "# Home\n\nGo to [the chapter](sub/one.qmd#sec-deep) or "
                     "[data](data.csv).\n",
        "sub/one.qmd": "# One\n\n## Deep {#sec-deep}\n\n::: {#fig-box fig-cap=\"A box\"}\n"
                       "Box content\n:::\n\nBack [home](../index.qmd).\n",
    })
    (root / "data.csv").write_text("a,b\n1,2\n")
    book = render_book(root, cache_dir=tmp_path / "c")
    assert '<a href="sub/one.html#sec-deep">the chapter</a>' in body(book, "index.html")
    assert '<a href="data.csv">data</a>' in body(book, "index.html")
    assert book.resources["data.csv"] == root / "data.csv"
    one = body(book, "sub/one.html")
    assert '<span class="float-prefix">Figure 1.1:</span> A box' in one
    assert '<a href="../index.html">home</a>' in one


def test_unnumbered_chapter_numbers_floats_without_chapter(tmp_path: Path) -> None:
    root = make_book(tmp_path / "b", {
        "index.qmd": "# Home\n\n::: {#fig-a}\nx\n\nCap\n:::\n\n$$a$$ {#eq-a}\n\n@fig-a @eq-a\n"})
    html = body(render_book(root, cache_dir=tmp_path / "c"), "index.html")
    assert '<a href="#fig-a" class="xref">Figure 1</a>' in html
    assert '<a href="#eq-a" class="xref">Equation 1</a>' in html
    assert '<span class="eq-number">(1)</span>' in html


def test_chapter_bibliography_from_front_matter(tmp_path: Path) -> None:
    root = make_book(tmp_path / "b", {
        "index.qmd": "---\nbibliography: local.bib\n---\n# Home\n\nAs @doe2020 says.\n"})
    (root / "local.bib").write_text(
        "@article{doe2020, author={Jane Doe}, title={A study}, journal={J}, year={2020}}\n")
    book = render_book(root, cache_dir=tmp_path / "c")
    html = body(book, "index.html")
    assert "Doe (" in html and 'id="ref-doe2020"' in html
    assert not book.problems


def test_front_matter_subtitle_author_description(tmp_path: Path) -> None:
    root = make_book(tmp_path / "b", {"index.qmd": """\
        ---
        title: "Opening"
        subtitle: "Why systems"
        description: "The first page."
        author:
          - name: "Ada L."
          - "Alan T."
        ---

        Body text.
        """})
    page = render_book(root, cache_dir=tmp_path / "c").pages[0]
    assert page.title == "Opening" and page.title_html == "Opening"
    assert (page.subtitle, page.author, page.description) == (
        "Why systems", "Ada L., Alan T.", "The first page.")


def test_unreadable_front_matter_is_a_located_error_not_a_crash(tmp_path: Path) -> None:
    root = make_book(tmp_path / "b", {"index.qmd": "# Home\n",
                                      "one.qmd": "---\ntitle: [unclosed\n---\n\n# One\n"})
    for chapters in (["index"], None):  # indexed only, then executed and rendered
        with pytest.raises(BuildError) as err:
            render_book(root, cache_dir=tmp_path / "c", chapters=chapters)
        assert any(p.file == root / "one.qmd" and p.severity == "error"
                   for p in err.value.problems)


def test_unlabelled_panels_of_a_figure_div_are_lettered(tmp_path: Path) -> None:
    root = make_book(tmp_path / "b", {"index.qmd": "# Home\n", "one.qmd": """\
        # One

        ::: {#fig-grid layout-ncol=3}
        ![](p.png)

        ![Second](p.png)

        ![](p.png)

        Three panels
        :::

        See @fig-grid.
        """})
    (root / "p.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    html = body(render_book(root, cache_dir=tmp_path / "c"), "one.html")
    assert [m for m in ("(a)", "(b)", "(c)") if f'<span class="float-prefix">{m}</span>' in html] \
        == ["(a)", "(b)", "(c)"]
    assert '<span class="float-prefix">(b)</span> Second' in html
    assert '<span class="float-prefix">Figure 1.1:</span> Three panels' in html
    assert '<a href="#fig-grid" class="xref">Figure 1.1</a>' in html


def test_label_defined_in_two_chapters_warns_at_the_second(tmp_path: Path) -> None:
    root = make_book(tmp_path / "b", {
        "index.qmd": "# Home\n",
        "one.qmd": "# One\n\n![a](p.png){#fig-same}\n",
        "two.qmd": "# Two\n\nText.\n\n![b](p.png){#fig-same}\n\nSee @fig-same.\n",
    })
    (root / "p.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    book = render_book(root, cache_dir=tmp_path / "c")
    [warning] = [p for p in book.problems if "fig-same" in p.message]
    assert (warning.file.name, warning.line, warning.severity) == ("two.qmd", 5, "warning")
    assert "one.html" in warning.message
    # the first definition wins, so the reference goes there
    assert '<a href="one.html#fig-same" class="xref">Figure 1.1</a>' in body(book, "two.html")


def test_progress_reports_each_stage_and_jobs_do_not_change_output(tmp_path: Path) -> None:
    root = make_book(tmp_path / "b", {f"c{i}.qmd": f"# C{i}\n\n## S {{#sec-c{i}}}\n\n"
                                      f"See @sec-c{(i + 1) % 4}.\n" for i in range(4)})
    seen: list[tuple[str, int, int]] = []
    serial = render_book(root, cache_dir=tmp_path / "c1", jobs=1,
                         progress=lambda stage, done, total: seen.append((stage, done, total)))
    parallel = render_book(root, cache_dir=tmp_path / "c2", jobs=4)
    assert [p.body_html for p in serial.pages] == [p.body_html for p in parallel.pages]
    assert ("prepare", 4, 4) in seen and ("render", 4, 4) in seen
    assert seen.index(("prepare", 4, 4)) < seen.index(("render", 0, 4))


def test_markdown_in_caption_and_title_attributes(tmp_path: Path) -> None:
    root = make_book(tmp_path / "b", {"index.qmd": "# Home\n", "one.qmd": """\
        # One

        ::: {#fig-box fig-cap="Cost of *one* step, $O(n^2)$, after @knuth"}
        Box
        :::

        ```{#lst-a .python lst-cap="The `fit` helper"}
        def fit(): ...
        ```

        ::: {.callout-tip title="Use `torch.compile` **wisely**"}
        Body.
        :::

        ::: {.callout-note title="Plain title"}
        Body two.
        :::
        """}, config="bibliography: refs.bib\n")
    (root / "refs.bib").write_text("@book{knuth, author={D. Knuth}, title={Art}, year={1968}}\n")
    book = render_book(root, cache_dir=tmp_path / "c")
    html = body(book, "one.html")
    assert ('<span class="float-prefix">Figure 1.1:</span> Cost of <em>one</em> step, '
            '<math display="inline"') in html
    assert 'Knuth (<a href="#ref-knuth"' in html
    assert '<span class="float-prefix">Listing 1.1:</span> The <code>fit</code> helper' in html
    assert ('<span class="callout-title">Use <code>torch.compile</code> '
            '<strong>wisely</strong></span>') in html
    assert '<span class="callout-title">Plain title</span>' in html
    assert "<p>Box</p>" in html and '<span class="kw">def</span> fit()' in html


def test_headings_inside_plain_divs_are_numbered_like_references_say(tmp_path: Path) -> None:
    root = make_book(tmp_path / "b", {"index.qmd": "# Home\n", "one.qmd": """\
        # One

        ## First {#sec-first}

        ::: {.wrapper}
        ## Inside a div {#sec-inside}

        Text.
        :::

        See @sec-inside.
        """})
    book = render_book(root, cache_dir=tmp_path / "c")
    page = next(p for p in book.pages if p.href == "one.html")
    assert '<span class="header-section-number">1.2</span> Inside a div' in page.body_html
    assert '<a href="#sec-inside" class="xref">Section 1.2</a>' in page.body_html
    assert [t.id for t in page.toc] == ["sec-first", "sec-inside"]


def test_shortcodes_outside_code(tmp_path: Path) -> None:
    root = make_book(tmp_path / "b", {"index.qmd": """\
        ---
        title: "Home"
        owner: "Pond Society"
        ---

        Owner {{< meta owner >}}, book {{< meta book.title >}}, version {{< var release.version >}}.

        {{< pagebreak >}}

        Press {{< kbd Ctrl-C >}}. Literal `{{< meta owner >}}` and {{{< meta owner >}}}.

        {{< video clip.mp4 >}}

        {{< video https://www.youtube.com/watch?v=abcdefgh123 title="Talk" >}}

        ```
        {{< meta owner >}}
        ```

        Unknown {{< fancy thing >}} here.
        """})
    (root / "_variables.yml").write_text("release:\n  version: 2.1\n")
    (root / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    book = render_book(root, cache_dir=tmp_path / "c")
    html = body(book, "index.html")
    assert "Owner Pond Society, book T, version 2.1." in html
    assert "pagebreak" not in html
    assert "<kbd>Ctrl-C</kbd>" in html
    assert "<code>{{&lt; meta owner &gt;}}</code>" in html  # inline code keeps it
    assert "and {{&lt; meta owner &gt;}}." in html  # the {{{< >}}} escape
    assert '<video src="clip.mp4" controls=""' in html and book.resources["clip.mp4"]
    assert 'src="https://www.youtube.com/embed/abcdefgh123" title="Talk"' in html
    assert "<pre><code>{{&lt; meta owner &gt;}}</code></pre>" in html
    [warning] = book.problems
    assert (warning.file.name, warning.line) == ("index.qmd", 20)
    assert "fancy" in warning.message and "{{&lt; fancy thing &gt;}}" in html


def test_crossref_prefix_and_title_options(tmp_path: Path) -> None:
    root = make_book(tmp_path / "b", {"index.qmd": "# Home\n", "one.qmd": """\
        # One

        ## Part {#sec-part}

        ![Chart](p.png){#fig-c}

        $$x$$ {#eq-x}

        ::: {#vid-v}
        v

        A clip
        :::

        @fig-c, @eq-x, @sec-part, @vid-v.
        """}, config="""\
        crossref:
          fig-prefix: Fig.
          fig-title: Plate
          eq-prefix: Eq.
          sec-prefix: §
          title-delim: " —"
          custom:
            - kind: float
              key: vid
              reference-prefix: Clip
              caption-prefix: Video clip
        """)
    (root / "p.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    html = body(render_book(root, cache_dir=tmp_path / "c"), "one.html")
    for ref in ("Fig. 1.1", "Eq. 1.1", "§ 1.1", "Clip 1.1"):
        assert f'class="xref">{ref}</a>' in html
    assert '<span class="float-prefix">Plate 1.1 —</span> Chart' in html
    assert '<span class="float-prefix">Video clip 1.1 —</span> A clip' in html


def test_theorems_and_proofs(tmp_path: Path) -> None:
    root = make_book(tmp_path / "b", {"index.qmd": "# Home\n", "one.qmd": """\
        # One

        ::: {#thm-amdahl}
        ## Amdahl

        Speedup is bounded by the serial fraction.
        :::

        ::: {.proof}
        Count the serial time.
        :::

        ::: {#lem-small name="Small step"}
        A lemma.
        :::

        By @thm-amdahl and @lem-small.
        """})
    book = render_book(root, cache_dir=tmp_path / "c")
    html = body(book, "one.html")
    assert ('<span class="theorem-title"><strong>Theorem 1.1 (Amdahl)</strong></span> '
            'Speedup is bounded') in html
    assert '<span class="proof-title"><em>Proof.</em></span> Count the serial time. ' \
           '<span class="qed">∎</span>' in html
    assert '<strong>Lemma 1.1 (Small step)</strong>' in html
    assert '<a href="#thm-amdahl" class="xref">Theorem 1.1</a>' in html
    assert '<a href="#lem-small" class="xref">Lemma 1.1</a>' in html
    page = next(p for p in book.pages if p.href == "one.html")
    assert page.toc == []  # a theorem's name is not a section


def test_csl_json_bibliography_and_a_broken_bib(tmp_path: Path) -> None:
    root = make_book(tmp_path / "b", {"index.qmd": "# Home\n\nAs @smith2001 showed.\n"},
                     config="bibliography: refs.json\n")
    (root / "refs.json").write_text(
        '[{"id": "smith2001", "type": "book", "title": "Ponds", '
        '"author": [{"family": "Smith", "given": "A."}], "issued": {"date-parts": [[2001]]}}]')
    html = body(render_book(root, cache_dir=tmp_path / "c"), "index.html")
    assert "Smith (" in html and 'id="ref-smith2001"' in html

    (root / "refs.json").write_text('[{"id": "smith2001", "type": ')  # truncated file
    with pytest.raises(BuildError) as err:
        render_book(root, cache_dir=tmp_path / "c")
    assert any(p.file == root / "refs.json" and "bibliography" in p.message
               for p in err.value.problems)


def test_layout_div_without_label_becomes_a_grid(tmp_path: Path) -> None:
    root = make_book(tmp_path / "b", {"index.qmd": """\
        # Home

        ::: {.compare layout-ncol=2}
        Left column.

        Right column.
        :::
        """})
    html = body(render_book(root, cache_dir=tmp_path / "c"), "index.html")
    assert '<div class="compare float-layout" style="--layout-ncol: 2">' in html


def test_panel_tabset_headings_become_tabs(tmp_path: Path) -> None:
    root = make_book(tmp_path / "b", {"index.qmd": "# Home\n", "one.qmd": """\
        # One

        ## Before {#sec-before}

        ::: {.panel-tabset}
        ## Python

        `print(1)`

        ## Shell

        `echo 1`
        :::

        ## After {#sec-after}
        """})
    book = render_book(root, cache_dir=tmp_path / "c")
    page = next(p for p in book.pages if p.href == "one.html")
    html = page.body_html
    assert '<div class="panel-tabset" data-tabset>' in html
    assert re.search(r'<button type="button" class="tabset-tab" role="tab" '
                     r'id="tabset-one-html-1-tab-1"[^>]*aria-selected="true">\s*Python\s*'
                     r'</button>', html)
    assert re.search(r'role="tabpanel" id="tabset-one-html-1-panel-2"[^>]*>\s*'
                     r'<p><code>echo 1</code></p>', html)
    assert [t.id for t in page.toc] == ["sec-before", "sec-after"]
    assert '<span class="header-section-number">1.2</span> After' in html


def test_number_depth_and_toc_depth(tmp_path: Path) -> None:
    chapter = "# One\n\n## A\n\n### B\n\n#### C\n"
    root = make_book(tmp_path / "b", {"index.qmd": "# Home\n", "one.qmd": chapter})
    page = render_book(root, cache_dir=tmp_path / "c").pages[1]
    assert [t.level for t in page.toc] == [2, 3]  # Quarto's default toc-depth is 3
    assert '<span class="header-section-number">1.1.1.1</span> C' in page.body_html

    root2 = make_book(tmp_path / "b2", {"index.qmd": "# Home\n", "one.qmd": chapter},
                      config="format:\n  html:\n    number-depth: 2\n    toc-depth: 4\n")
    page = render_book(root2, cache_dir=tmp_path / "c2").pages[1]
    assert [t.level for t in page.toc] == [2, 3, 4]
    assert '<span class="header-section-number">1.1</span> A' in page.body_html
    assert "header-section-number\">1.1.1" not in page.body_html


def test_files_named_in_raw_html_are_copied(tmp_path: Path) -> None:
    root = make_book(tmp_path / "b", {"index.qmd": """\
        # Home

        ```{=html}
        <img src="media/diagram.svg" alt="d"> <a href="https://example.org/x.png">ext</a>
        ```
        """})
    (root / "media").mkdir()
    (root / "media" / "diagram.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    book = render_book(root, cache_dir=tmp_path / "c")
    assert book.resources == {"media/diagram.svg": root / "media" / "diagram.svg"}


def test_link_to_a_page_outside_the_book_warns(tmp_path: Path) -> None:
    root = make_book(tmp_path / "b", {"index.qmd": "# Home\n\nSee [draft](draft.qmd).\n"})
    (root / "draft.qmd").write_text("# Draft\n")
    book = render_book(root, cache_dir=tmp_path / "c")
    [warning] = book.problems
    assert (warning.file.name, warning.line, warning.severity) == ("index.qmd", 3, "warning")
    assert "draft.qmd" in warning.message
