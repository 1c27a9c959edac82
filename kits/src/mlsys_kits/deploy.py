"""Flash an MCU kit with the board's own tool, or deploy the Linux kits' app over ssh.

`flash` never guesses: when the tool (dfu-util, esptool.py, Himax's xmodem script) is on PATH
it runs the exact command from kit.yaml; otherwise it prints that command with the image path
and address so the user can run it. `deploy` stages the app, the ONNX models and recorded test
sets, copies them with rsync over ssh and runs the app on the board, returning its output.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .boards import Kit
from .errors import BoardNotConnected, KitError, RunFailed, ToolchainMissing
from .onnx_export import write_onnx
from .paths import build_root
from .pipeline import model


@dataclass(frozen=True)
class FlashPlan:
    image: Path
    command: list[str]
    available: bool
    note: str


def image_for(kit: Kit, task: str) -> Path:
    """Build the firmware and convert it to the format the flasher takes (a raw .bin here)."""
    from .firmware import build_firmware

    elf = build_firmware(kit, task).path
    out = elf.with_suffix(".bin")
    if not out.exists():
        if shutil.which("arm-none-eabi-objcopy") is None:
            raise ToolchainMissing("arm-none-eabi-objcopy", "binutils-arm-none-eabi",
                                   "make the flash image")
        tmp = out.with_suffix(".bin.tmp")
        subprocess.run(["arm-none-eabi-objcopy", "-O", "binary", str(elf), str(tmp)], check=True)
        tmp.replace(out)
    return out


def flash_plan(kit: Kit, task: str) -> FlashPlan:
    if kit.flash is None:
        raise KitError(f"{kit.id} is not flashed; use `mlsys kits deploy {kit.id} --host ...`")
    note = kit.flash.note
    if kit.kind == "arduino":  # arduino-cli builds the image from the exported sketch
        from .sketch import export_sketch

        folder = export_sketch(kit, task, build_root() / kit.id / task)
        image = folder / kit.flash.format.format(sketch=folder.name)
        note = note.format(sketch=folder)
    else:
        image = image_for(kit, task)
    cmd = shlex.split(kit.flash.command.format(image=image))
    # Himax's flasher is a script from its SDK, run from the SDK folder; others are on PATH
    available = Path(cmd[1]).exists() if cmd[0] == "python3" else bool(shutil.which(cmd[0]))
    return FlashPlan(image, cmd, available, note)


def flash(kit: Kit, task: str) -> str:
    """Run the flasher; `BoardNotConnected` when it finds no board."""
    plan = flash_plan(kit, task)
    proc = subprocess.run(plan.command, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise BoardNotConnected(f"{plan.command[0]} could not flash {kit.name} "
                                f"(exit {proc.returncode}): {proc.stderr.strip()[-300:]}. "
                                f"Is the board connected and in bootloader mode? {plan.note}")
    return proc.stdout


# --------------------------------------------------------------------------- deploy
def stage_app(kit: Kit, dest: Path) -> list[str]:
    """Write the app, one ONNX model and one recorded test set per kit model into `dest`."""
    if kit.kind != "linux" or kit.app is None:
        raise KitError(f"{kit.id} is a {kit.kind} kit; deploy is for the Linux kits "
                       "(use `mlsys kits flash`)")
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(kit.app / "kit_app.py", dest / "kit_app.py")
    commands = []
    for task in kit.models:
        art = model(task)
        write_onnx(art.trained, dest / f"{task}.onnx")
        np.savez(dest / f"{task}_test.npz", x=art.data.x_test, y=art.data.y_test)
        commands.append(f"kit_app.py --model {task}.onnx --input {task}_test.npz "
                        f"--labels {','.join(art.classes)} --quiet")
    return commands


def _ssh_opts(port: int | None, identity: Path | None, known_hosts: Path | None) -> list[str]:
    opts = ["-o", "BatchMode=yes", "-o", "ConnectTimeout=10"]
    if port:
        opts += ["-p", str(port)]
    if identity:
        opts += ["-i", str(identity), "-o", "IdentitiesOnly=yes"]
    if known_hosts:
        opts += ["-o", f"UserKnownHostsFile={known_hosts}", "-o", "StrictHostKeyChecking=yes"]
    else:  # trust on first use, as a first `ssh` to a new board would ask
        opts += ["-o", "StrictHostKeyChecking=accept-new"]
    return opts


def deploy(kit: Kit, host: str, port: int | None = None, identity: Path | None = None,
           known_hosts: Path | None = None, python: str = "python3",
           path: str | None = None) -> str:
    """rsync the staged app to `host:<path>` (default `~/<kit's deploy path>`) and run every
    model there; returns what the app printed."""
    path = path or kit.deploy_path
    if kit.kind != "linux":
        raise KitError(f"{kit.id} is a {kit.kind} kit; deploy is for the Linux kits "
                       f"(use `mlsys kits flash {kit.id}`)")
    for tool, pkg in (("ssh", "openssh-client"), ("rsync", "rsync")):
        if shutil.which(tool) is None:
            raise ToolchainMissing(tool, pkg, "deploy to the board")
    opts = _ssh_opts(port, identity, known_hosts)
    proc = subprocess.run(["ssh", *opts, host, f"mkdir -p {shlex.quote(path)}"],
                          capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise BoardNotConnected(f"could not copy the app to {host}: ssh exit "
                                f"{proc.returncode}: {proc.stderr.strip()[-300:]}")
    with tempfile.TemporaryDirectory() as tmp:
        commands = stage_app(kit, Path(tmp))
        rsh = shlex.join(["ssh", *opts])
        proc = subprocess.run(["rsync", "-a", "--delete", "-e", rsh, f"{tmp}/",
                               f"{host}:{path}/"], capture_output=True, text=True,
                              timeout=120)
    if proc.returncode != 0:
        raise BoardNotConnected(f"could not copy the app to {host} (rsync exit "
                                f"{proc.returncode}): {proc.stderr.strip()[-300:]}")
    remote = " && ".join(f"{shlex.quote(python)} {c}" for c in commands)
    proc = subprocess.run(["ssh", *opts, host, f"cd {shlex.quote(path)} && {remote}"],
                          capture_output=True, text=True, timeout=300)
    if proc.returncode == 255:
        raise BoardNotConnected(f"ssh to {host} failed: {proc.stderr.strip()[-300:]}")
    if proc.returncode != 0:
        raise RunFailed(f"the app failed on {host}: {(proc.stderr or proc.stdout)[-400:]}")
    return proc.stdout
