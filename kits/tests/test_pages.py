"""The /kits/ pages: generated with measured numbers, rendered by our engine into HTML."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from mlsys.cli import main
from mlsys_kits.pages import write_project
from mlsys_kits.pipeline import model

from .conftest import need


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    need("arm-none-eabi-gcc", "gcc-arm-none-eabi libnewlib-arm-none-eabi")
    return write_project(tmp_path_factory.mktemp("kits") / "src")


def test_one_page_per_kit_plus_an_index(project) -> None:
    names = sorted(p.name for p in project.glob("*.qmd"))
    assert names == ["grove_vision_ai_v2.qmd", "index.qmd", "jetson_orin_nano.qmd",
                     "nicla_vision.qmd", "raspberry_pi_5.qmd", "xiao_esp32s3.qmd"]


def test_numbers_on_a_page_are_the_measured_ones(project) -> None:
    page = (project / "nicla_vision.qmd").read_text()
    kws = model("kws")
    assert f"| kws | {kws.float_accuracy:.3f} | {kws.int8_accuracy:.3f} | " \
           f"{kws.plan.peak_bytes:,} / {kws.plan.naive_bytes:,} B |" in page
    assert "Source of the hardware facts: STM32H747 datasheet" in page
    assert "../book/vol1/compression.html#sec-compression-quantization" in page
    assert "../tinytorch/16_quantization/lesson.html" in page


def test_the_engine_renders_the_pages_with_the_board_drawing(project, tmp_path) -> None:
    out = tmp_path / "site"
    res = CliRunner().invoke(main, ["render", str(project), "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    html = (out / "grove_vision_ai_v2.html").read_text()
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and "Himax-WE2" in html
    assert "<table" in html and "Troubleshooting" in html
