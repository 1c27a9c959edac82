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
    assert "feasible                 False" in r.stdout and "weights need" in r.stdout


@pytest.mark.parametrize("args,needle", [
    (("train", "llama-2-7b", "--tp", "5", "--tokens", "1e9", "--global-batch", "64"), "tp"),
    (("serve", "llama-2-7b", "--hardware", "A100", "--precision", "fp8"), "precision"),
    (("show", "H1000"), "H100"),
    (("serve", "llama-2-7b", "--batch", "0"), "batch"),
])
def test_user_errors_are_one_line(args, needle):
    r = run(*args)
    assert r.returncode == 2
    assert needle in r.stderr and "Traceback" not in r.stderr


def test_bad_number_is_argparse_error():
    r = run("train", "gpt-2", "--tokens", "lots", "--global-batch", "8")
    assert r.returncode == 2 and "not a number" in r.stderr and "Traceback" not in r.stderr


def test_validate_cli():
    r = run("validate")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Touvron" in r.stdout and "calibration" in r.stdout and "median |error|" in r.stdout
    d = json.loads(run("validate", "--json").stdout)
    assert d["summary"]["cases"] >= 20


def test_simulate_and_memory_cli():
    r = run("simulate", "llama-2-7b", "--rate", "4", "--requests", "200", "--json")
    d = json.loads(r.stdout)
    assert r.returncode == 0 and d["completed"] == 200 and d["ttft_p99_s"] >= d["ttft_p50_s"]
    r = run("memory", "llama-2-70b", "--hardware", "H100")
    assert r.returncode == 0 and "needs" in r.stdout and "has 80 GB" in r.stdout
    r = run("train", "mixtral", "--gpus", "64", "--tokens", "1e10", "--global-batch", "256",
            "--seq-len", "4096", "--json")
    assert json.loads(r.stdout)["ep"] >= 1
