"""The console script, run as a real subprocess like a user would."""

import json
import subprocess
import sys

import pytest


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mlsysim.cli", *args], capture_output=True,
                          text=True, timeout=60)


def test_list_hardware_and_models():
    r = run("list", "hardware")
    assert r.returncode == 0 and "H100-SXM" in r.stdout and "STM32H747" in r.stdout
    r = run("list", "hardware", "--category", "tiny", "--json")
    names = [h["name"] for h in json.loads(r.stdout)]
    assert "ESP32-S3" in names and "H100-SXM" not in names
    r = run("list", "models")
    assert "Llama-3-70B" in r.stdout and "DeepSeek-V3" in r.stdout


def test_train_and_json():
    r = run("train", "llama-2-7b", "--hardware", "A100", "--gpus", "64", "--tokens", "100B",
            "--global-batch", "512", "--seq-len", "4096", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["feasible"] is True and d["tp"] * d["pp"] * d["dp"] == 64 and 0 < d["mfu"] < 1
    text = run("train", "llama-2-7b", "--gpus", "8", "--tokens", "1e9", "--global-batch", "64")
    assert "step_time_s" in text.stdout and "mfu" in text.stdout


def test_serve_cli():
    r = run("serve", "Llama3 8B", "--hardware", "h100", "--batch", "16", "--json")
    d = json.loads(r.stdout)
    assert r.returncode == 0 and d["model"] == "Llama-3-8B" and d["tpot_s"] > 0
    r = run("serve", "llama-2-70b", "--hardware", "A100-40GB")
    assert r.returncode == 1
    assert r.stderr.startswith("mlsysim: infeasible: weights need")
    assert r.stdout.startswith("(the figures below describe a plan that cannot run)")


def test_serve_cli_attention_kernel_and_train_cli_dropout():
    base = ["serve", "llama-2-70b", "--gpus", "2", "--precision", "fp8", "--batch", "64",
            "--output-len", "2048", "--json"]
    shared = json.loads(run(*base).stdout)
    per_head = json.loads(run(*base, "--attention-kernel", "per_head").stdout)
    assert per_head["tpot_s"] > 1.3 * shared["tpot_s"]
    assert run(*base, "--attention-kernel", "xqa").returncode == 2  # argparse refuses it
    kw = ["train", "gpt-2-xl", "--hardware", "A100", "--gpus", "32", "--tokens", "1e10",
          "--global-batch", "512", "--seq-len", "2048", "--tp", "1", "--pp", "1", "--json"]
    plain = json.loads(run(*kw, "--unfused-attention").stdout)["step_time_s"]
    dropped = json.loads(run(*kw, "--unfused-attention", "--dropout").stdout)["step_time_s"]
    assert dropped > plain


@pytest.mark.parametrize("args,needle", [
    (("train", "llama-2-7b", "--tp", "5", "--tokens", "1e9", "--global-batch", "64"), "tp"),
    (("serve", "llama-2-7b", "--hardware", "A100", "--precision", "fp8"), "precision"),
    (("show", "H1000"), "H100"),
    (("serve", "llama-2-7b", "--batch", "0"), "batch"),
])
def test_user_errors_are_one_line(args, needle):
    r = run(*args)
    assert r.returncode == 1
    assert r.stderr.startswith("Error: ") and r.stderr.count("\n") == 1
    assert needle in r.stderr and "Traceback" not in r.stderr


def test_version_and_short_help_like_the_other_clis():
    version = run("--version")
    assert version.returncode == 0 and version.stdout.startswith("mlsysim ")
    short = run("-h")
    assert short.returncode == 0 and "usage: mlsysim" in short.stdout


def test_bad_number_is_argparse_error():
    r = run("train", "gpt-2", "--tokens", "lots", "--global-batch", "8")
    assert r.returncode == 2 and "not a number" in r.stderr and "Traceback" not in r.stderr


def test_validate_cli():
    r = run("validate")
    d = json.loads(run("validate", "--json").stdout)
    # exit status follows the held-out gate: 0 when it passes, 1 when it does not
    assert r.returncode == (0 if d["summary"]["passes"] else 1), r.stderr
    assert "Touvron" in r.stdout and "median |error|" in r.stdout and "held-out gate" in r.stdout
    for s in ("calibration", "heldout"):
        assert {x["domain"] for x in d["sets"] if x["set"] == s} == {"training", "inference", "all"}
    assert d["summary"]["cases"] >= 38


def test_calibrate_cli_prints_every_value_and_writes_a_file(tmp_path):
    out = tmp_path / "fit.yaml"
    r = run("calibrate", "--output", str(out))
    assert r.returncode == 0, r.stderr
    for fam in ("A100", "Hopper"):
        for name in ("gemm", "memory", "launch_s", "step_s"):
            assert any(line.startswith(fam) and name in line for line in r.stdout.splitlines())
    assert "set by meg-gpt3-175b" in r.stdout and "llama3-405b" not in r.stdout
    import yaml
    fitted = yaml.safe_load(out.read_text())
    assert 0.2 <= fitted["families"]["Hopper"]["gemm"] <= 0.95
    assert "WRITTEN BY `mlsysim calibrate`" in out.read_text()


def test_simulate_and_memory_cli():
    r = run("simulate", "llama-2-7b", "--rate", "4", "--requests", "200", "--json")
    d = json.loads(r.stdout)
    assert r.returncode == 0 and d["completed"] == 200 and d["ttft_p99_s"] >= d["ttft_p50_s"]
    r = run("memory", "llama-2-70b", "--hardware", "H100")
    assert r.returncode == 1 and "needs" in r.stdout and "has 80 GB" in r.stdout
    assert r.stderr.startswith("mlsysim: infeasible:")
    assert run("memory", "llama-2-7b", "--hardware", "H100", "--zero-stage", "3",
               "--dp", "8").returncode == 0
    r = run("train", "mixtral", "--gpus", "64", "--tokens", "1e10", "--global-batch", "256",
            "--seq-len", "4096", "--json")
    assert json.loads(r.stdout)["ep"] >= 1


@pytest.mark.parametrize("args", [
    ("serve", "llama-3-70b", "--hardware", "H100", "--batch", "64"),
    ("serve", "llama-3-70b", "--hardware", "H100", "--batch", "64", "--json"),
    ("train", "llama-3-70b", "--gpus", "8", "--tokens", "1e12", "--global-batch", "64"),
    ("train", "llama-3-70b", "--gpus", "8", "--tokens", "1e12", "--global-batch", "64",
     "--tp", "1", "--pp", "1", "--dp", "8"),
    ("train", "llama-3-405b", "--gpus", "8", "--tokens", "1e12", "--global-batch", "64",
     "--json"),
    ("tinyml", "MobileNetV2", "STM32H747"),
], ids=["serve", "serve-json", "train-searched", "train-fixed", "train-json", "tinyml"])
def test_every_infeasible_plan_exits_1_with_the_reason_first(args):
    r = run(*args)
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stderr.startswith("mlsysim: infeasible: ") and len(r.stderr.strip()) > 25
    assert "Traceback" not in r.stderr
    if "--json" in args:
        assert json.loads(r.stdout)["feasible" if args[0] != "tinyml" else "fits"] is False


def test_every_option_has_help_that_states_its_default():
    from mlsysim.cli import build_parser

    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.choices and a.dest == "command")
    for name, sub in subparsers.choices.items():
        for action in sub._actions:
            if action.dest == "help":
                continue
            label = f"{name} {'/'.join(action.option_strings) or action.dest}"
            assert action.help, f"{label} has no help"
            if action.option_strings and not action.required:
                assert "default" in action.help, f"{label} does not say its default"
    text = run("train", "--help").stdout
    assert "tokens per sequence (default: 2048)" in text and "(default: H100)" in text
