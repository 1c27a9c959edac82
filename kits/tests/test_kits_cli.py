"""`mlsys kits` as a user meets it: list, test, size, flash, and the bad-input messages."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from mlsys.cli import main
from mlsys_kits.boards import find_kit

from .conftest import need

BOARDS = Path(__file__).resolve().parents[1] / "boards"


def _sample_label(task: str) -> str:
    """The class of the test sample baked into the firmware (the first one int8 gets right)."""
    from mlsys_kits.firmware import sample_index
    from mlsys_kits.pipeline import model

    art = model(task)
    return art.classes[int(art.data.y_test[sample_index(art)])]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_list_reads_hardware_facts_from_mlsysim(runner) -> None:
    res = runner.invoke(main, ["kits", "list"])
    assert res.exit_code == 0
    assert "Himax-WE2 (2x Cortex-M55" in res.output
    assert "STM32H747 (Cortex-M7" in res.output and "480 MHz" in res.output
    assert len(res.output.strip().splitlines()) == 5


def test_unknown_kit_names_the_closest(runner) -> None:
    res = runner.invoke(main, ["kits", "size", "nicla_vison"])
    assert res.exit_code == 1
    assert "unknown kit 'nicla_vison'; did you mean nicla_vision" in res.output


def test_kits_test_passes_for_an_mcu_kit(runner) -> None:
    need("arm-none-eabi-gcc", "gcc-arm-none-eabi libnewlib-arm-none-eabi")
    need("qemu-system-arm", "qemu-system-arm")
    res = runner.invoke(main, ["kits", "test", "grove_vision_ai_v2"])
    assert res.exit_code == 0, res.output
    assert res.output.count("bit-exact on cortex-m55: 200 samples identical") == 2
    assert f"firmware under QEMU: model kws: class {_sample_label('kws')} " in res.output


def test_kits_test_checks_the_esp32_sketch(runner) -> None:
    need("g++", "g++")
    res = runner.invoke(main, ["kits", "test", "xiao_esp32s3"])
    assert res.exit_code == 0, res.output
    assert f"sketch with Arduino shim: class {_sample_label('kws')} (as expected)" in res.output


def test_size_gate_reports_flash_and_ram_of_the_real_firmware(runner) -> None:
    need("arm-none-eabi-gcc", "gcc-arm-none-eabi libnewlib-arm-none-eabi")
    res = runner.invoke(main, ["kits", "size", "nicla_vision", "-m", "kws"])
    assert res.exit_code == 0, res.output
    assert "kws: fits" in res.output and "arena 2,560 B, naive 5,128 B" in res.output
    assert "measured with arm-none-eabi-size fw-nicla_vision-kws-board.elf" in res.output
    assert "latency >=" in res.output


def test_a_model_that_does_not_fit_says_by_how_much_and_which_tensors(runner) -> None:
    need("arm-none-eabi-gcc", "gcc-arm-none-eabi libnewlib-arm-none-eabi")
    from mlsys_kits.errors import DoesNotFit
    from mlsys_kits.firmware import gate, size_report

    kit = find_kit("nicla_vision")
    small = dataclasses.replace(kit, device=dataclasses.replace(kit.device, sram_bytes=16_000))
    report = size_report(small, "kws")
    with pytest.raises(DoesNotFit) as exc:
        gate([report])
    over = report.ram_used - 16_000
    assert f"exceeds 16,000 B by {over:,} B" in str(exc.value)
    assert "arena peaks at 2,560 B with c1, p1 alive together" in str(exc.value)


def test_missing_toolchain_names_the_debian_package(runner, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    res = runner.invoke(main, ["kits", "test", "nicla_vision"])
    assert res.exit_code == 1
    assert "apt-get install -y gcc-arm-none-eabi libnewlib-arm-none-eabi" in res.output


def test_flash_dry_run_prints_the_exact_command_and_a_real_image(runner) -> None:
    need("arm-none-eabi-gcc", "gcc-arm-none-eabi libnewlib-arm-none-eabi")
    res = runner.invoke(main, ["kits", "flash", "nicla_vision", "-m", "motion", "--dry-run"])
    assert res.exit_code == 0, res.output
    assert "dfu-util --device 0x2341:0x035f -a 0 --dfuse-address 0x08040000:leave -D " in res.output
    image = Path(res.output.split(" -D ")[1].split()[0])
    assert image.suffix == ".bin" and image.stat().st_size > 10_000


def test_flash_without_the_tool_says_where_to_get_it(runner, monkeypatch, tmp_path) -> None:
    need("arm-none-eabi-gcc", "gcc-arm-none-eabi libnewlib-arm-none-eabi")
    bin_dir = tmp_path / "bin"  # the cross tools, but no dfu-util
    bin_dir.mkdir()
    for tool in ("arm-none-eabi-gcc", "arm-none-eabi-objcopy", "arm-none-eabi-size"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    monkeypatch.setenv("PATH", str(bin_dir))
    res = runner.invoke(main, ["kits", "flash", "nicla_vision", "-m", "motion"])
    assert res.exit_code == 0, res.output
    assert "dfu-util not found (get it: dfu-util); run:" in res.output
    assert "at 0x08040000" in res.output


def test_flash_with_no_board_attached_says_so(runner) -> None:
    need("arm-none-eabi-gcc", "gcc-arm-none-eabi libnewlib-arm-none-eabi")
    need("dfu-util", "dfu-util")
    res = runner.invoke(main, ["kits", "flash", "nicla_vision", "-m", "motion"])
    assert res.exit_code == 1
    assert "dfu-util could not flash Arduino Nicla Vision" in res.output
    assert "Is the board connected and in bootloader mode?" in res.output


def test_a_bad_kit_yaml_names_file_line_and_field(runner, monkeypatch, tmp_path) -> None:
    board = tmp_path / "my_board"
    shutil.copytree(BOARDS / "raspberry_pi_5", board)
    text = (board / "kit.yaml").read_text().replace("device: Raspberry Pi 5",
                                                    "device: Raspberry Pi 9")
    (board / "kit.yaml").write_text(text)
    monkeypatch.setenv("MLSYS_KITS_BOARDS", str(tmp_path))
    res = runner.invoke(main, ["kits", "list"])
    assert res.exit_code == 1
    line = text.splitlines().index("device: Raspberry Pi 9") + 1
    assert f"kit.yaml:{line}: device: unknown hardware 'Raspberry Pi 9'" in res.output


def test_curriculum_check_reports_a_broken_kit_with_file_and_line(tmp_path) -> None:
    from mlsys_kits.boards import check

    root = tmp_path
    shutil.copytree(BOARDS, root / "kits" / "boards")
    shutil.copytree(BOARDS.parent / "app", root / "kits" / "app")
    assert check(root) == []
    bad = root / "kits" / "boards" / "nicla_vision" / "kit.yaml"
    bad.write_text(bad.read_text().replace("kind: mcu", "kind: fpga"))
    line = bad.read_text().splitlines().index("kind: fpga") + 1
    assert check(root) == [f"{bad}:{line}: error: kind: 'fpga' is not one of mcu, arduino, linux"]


def test_deploy_of_a_microcontroller_kit_points_to_flash(runner) -> None:
    res = runner.invoke(main, ["kits", "deploy", "nicla_vision", "--host", "pi@nowhere"])
    assert res.exit_code == 1
    assert "nicla_vision is a mcu kit; deploy is for the Linux kits" in res.output
    assert "mlsys kits flash nicla_vision" in res.output
