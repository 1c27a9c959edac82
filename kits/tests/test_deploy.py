"""`mlsys kits deploy` for real: against an OpenSSH server this test starts on 127.0.0.1 with its
own host key and an authorized key it makes, then the app runs the ONNX models over ssh."""

from __future__ import annotations

import getpass
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from mlsys.cli import main

from .conftest import need

SSHD = "/usr/sbin/sshd"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)


@pytest.fixture
def sshd(tmp_path: Path):
    if not os.path.exists(SSHD):
        pytest.skip("sshd not installed: apt-get install -y openssh-server")
    for tool, pkg in (("ssh", "openssh-client"), ("ssh-keygen", "openssh-client"),
                      ("rsync", "rsync")):
        need(tool, pkg)
    d = tmp_path / "sshd"
    d.mkdir()
    _keygen(d / "host_key")
    _keygen(d / "id")
    (d / "authorized_keys").write_text((d / "id.pub").read_text())
    (d / "authorized_keys").chmod(0o600)
    port = _free_port()
    config = d / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {d / 'host_key'}\n"
        f"AuthorizedKeysFile {d / 'authorized_keys'}\nPidFile {d / 'sshd.pid'}\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "PubkeyAuthentication yes\nPermitRootLogin prohibit-password\nUsePAM no\n"
        "StrictModes no\n")
    if os.geteuid() == 0:
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # privilege-separation directory
    proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"sshd did not start: {proc.stderr.read()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    host_pub = (d / "host_key.pub").read_text().split()
    (d / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_pub[0]} {host_pub[1]}\n")
    yield {"host": f"{getpass.getuser()}@127.0.0.1", "port": port, "key": d / "id",
           "known_hosts": d / "known_hosts"}
    proc.terminate()
    proc.wait(timeout=10)


def test_deploy_copies_the_app_and_runs_every_model_over_ssh(sshd, tmp_path) -> None:
    pytest.importorskip("onnxruntime", reason="pip install onnx onnxruntime")
    remote = tmp_path / "board" / "mlsys-kit"
    res = CliRunner().invoke(main, [
        "kits", "deploy", "raspberry_pi_5", "--host", sshd["host"], "--port", str(sshd["port"]),
        "-i", str(sshd["key"]), "--known-hosts", str(sshd["known_hosts"]),
        "--python", sys.executable, "--path", str(remote)])
    assert res.exit_code == 0, res.output
    assert res.output.count("summary: 200 inferences") == 3
    from mlsys_kits.pipeline import model

    for task in ("image", "kws", "motion"):  # the board computes the float model's accuracy
        assert f"accuracy {model(task).float_accuracy:.3f}" in res.output
    assert sorted(p.name for p in remote.iterdir()) == [
        "image.onnx", "image_test.npz", "kit_app.py", "kws.onnx", "kws_test.npz",
        "motion.onnx", "motion_test.npz"]


def test_deploy_to_a_board_that_does_not_answer_says_so(sshd) -> None:
    res = CliRunner().invoke(main, [
        "kits", "deploy", "jetson_orin_nano", "--host", sshd["host"], "--port",
        str(_free_port()), "-i", str(sshd["key"]), "--known-hosts", str(sshd["known_hosts"])])
    assert res.exit_code == 1
    assert "could not copy the app to" in res.output and "Traceback" not in res.output


def test_the_app_reads_an_image_file(tmp_path) -> None:
    pytest.importorskip("onnxruntime", reason="pip install onnx onnxruntime")
    import numpy as np
    from mlsys_kits.onnx_export import write_onnx
    from mlsys_kits.pipeline import model

    art = model("image")
    write_onnx(art.trained, tmp_path / "image.onnx")
    # a 64x64 PPM of vertical stripes, the way a camera frame would arrive
    xs = np.arange(64)
    img = np.broadcast_to((127 + 120 * np.sin(0.2 * xs))[None, :, None], (64, 64, 3))
    ppm = tmp_path / "frame.ppm"
    ppm.write_bytes(b"P6\n64 64\n255\n" + img.astype(np.uint8).tobytes())
    app = Path(__file__).resolve().parents[1] / "app" / "kit_app.py"
    out = subprocess.run([sys.executable, str(app), "--model", str(tmp_path / "image.onnx"),
                          "--input", str(ppm), "--labels", ",".join(art.classes)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "sample 0: v-stripes" in out.stdout and "summary: 1 inferences" in out.stdout


def _chirp(path: Path, f0: float, f1: float, rate: int = 16000) -> Path:
    import wave

    import numpy as np

    t = np.arange(rate) / rate
    phase = 2 * np.pi * np.cumsum(f0 + (f1 - f0) * t) / rate
    pcm = (0.5 * np.sin(phase) * ((t > 0.1) & (t < 0.9)) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


@pytest.mark.parametrize(("f0", "f1", "word"), [(830, 2800, "yes"), (3000, 1000, "no")],
                         ids=["rising", "falling"])
def test_the_app_hears_a_recorded_chirp_as_the_keyword_of_its_shape(tmp_path, f0, f1,
                                                                     word) -> None:
    """The keyword model learned ridges of energy moving up ("yes") or down ("no") the bands;
    a WAV whose pitch moves the same way is a microphone recording of that pattern."""
    pytest.importorskip("onnxruntime", reason="pip install onnx onnxruntime")
    from mlsys_kits.onnx_export import write_onnx
    from mlsys_kits.pipeline import model

    art = model("kws")
    write_onnx(art.trained, tmp_path / "kws.onnx")
    app = Path(__file__).resolve().parents[1] / "app" / "kit_app.py"
    out = subprocess.run([sys.executable, str(app), "--model", str(tmp_path / "kws.onnx"),
                          "--input", str(_chirp(tmp_path / "rec.wav", f0, f1)),
                          "--labels", ",".join(art.classes)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert f"sample 0: {word} " in out.stdout


@pytest.mark.parametrize("args", [["--mic", "plughw:9,0"], ["--device", "/dev/video99"],
                                  ["--input", "missing.wav"]], ids=["mic", "camera", "file"])
def test_the_app_explains_a_missing_device_or_file(tmp_path, args) -> None:
    pytest.importorskip("onnxruntime", reason="pip install onnx onnxruntime")
    from mlsys_kits.onnx_export import write_onnx
    from mlsys_kits.pipeline import model

    write_onnx(model("kws").trained, tmp_path / "kws.onnx")
    app = Path(__file__).resolve().parents[1] / "app" / "kit_app.py"
    out = subprocess.run([sys.executable, str(app), "--model", str(tmp_path / "kws.onnx"), *args],
                         capture_output=True, text=True, cwd=tmp_path,
                         env={**os.environ, "PATH": str(tmp_path)})  # no arecord either
    assert out.returncode == 1
    assert out.stderr.startswith("error: ") and "Traceback" not in out.stderr
