"""Kits: `kits/boards/<id>/kit.yaml` joined with mlsysim's registry entry for the device.

The YAML holds only what is about the kit (sensors, models, toolchain, how to flash); the
silicon facts (core, clock, SRAM, flash, power) come from `mlsysim.hardware(device)`, so a
datasheet number is typed once, in mlsysim, with its source.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from mlsys.yamlsource import YamlLocator, YamlSyntaxError, parse_yaml

import mlsysim

from .datasets import TASKS
from .errors import KitFileError, UnknownKitError
from .paths import boards_dir as default_boards_dir

KINDS = ("mcu", "arduino", "linux")
REQUIRED = ("name", "device", "kind", "target", "precision", "sensors", "models", "toolchain")


@dataclass(frozen=True)
class FlashMethod:
    tool: str
    package: str
    address: int
    command: str
    format: str
    note: str


@dataclass(frozen=True)
class Kit:
    id: str
    dir: Path
    name: str
    device: mlsysim.Hardware
    kind: str
    target: str
    precision: str
    sensors: tuple[str, ...]
    models: tuple[str, ...]
    toolchain: tuple[str, ...]
    linker_script: Path | None = None
    sketch: Path | None = None
    app: Path | None = None
    flash: FlashMethod | None = None
    deploy_path: str = ""
    deploy_command: str = ""

    @property
    def flash_limit(self) -> float:
        return self.device.flash_bytes or self.device.memory_bytes

    @property
    def ram_limit(self) -> float:
        return self.device.sram_bytes if self.kind != "linux" else self.device.memory_bytes


def _parse(path: Path) -> tuple[dict[str, Any], YamlLocator]:
    text = path.read_text(encoding="utf-8")
    try:
        data, loc = parse_yaml(text, path)
    except YamlSyntaxError as exc:
        raise KitFileError(f"{path}:{exc.line or 1}: invalid YAML: {exc.detail}") from None
    if not isinstance(data, dict):
        raise KitFileError(f"{path}:1: expected a mapping of fields")
    return data, loc


def _fail(path: Path, loc: YamlLocator, key: str, msg: str) -> KitFileError:
    return KitFileError(f"{path}:{loc.line(key) or 1}: {key}: {msg}")


def load_kit(kit_dir: Path) -> Kit:
    """Read and check one kit.yaml; every problem names the file, line and field."""
    path = kit_dir / "kit.yaml"
    data, loc = _parse(path)
    for key in REQUIRED:
        if key not in data:
            raise KitFileError(f"{path}:1: missing field {key!r}")
    if data["kind"] not in KINDS:
        raise _fail(path, loc, "kind", f"{data['kind']!r} is not one of {', '.join(KINDS)}")
    try:
        device = mlsysim.hardware(data["device"])
    except mlsysim.MlsysimError as exc:
        raise _fail(path, loc, "device", str(exc)) from None
    bad = [m for m in data["models"] if m not in TASKS]
    if bad:
        raise _fail(path, loc, "models", f"unknown {bad} (models: {', '.join(TASKS)})")
    flash = None
    if "flash" in data:
        f = data["flash"]
        flash = FlashMethod(f["tool"], f["package"], int(f["address"]), f["command"],
                            f["format"], f.get("note", ""))
    deploy = data.get("deploy", {})

    def rel(key: str) -> Path | None:
        return (kit_dir / data[key]).resolve() if key in data else None

    for key in ("linker_script", "sketch", "app"):
        p = rel(key)
        if p is not None and not p.exists():
            raise _fail(path, loc, key, f"{p} does not exist")
    return Kit(kit_dir.name, kit_dir, data["name"], device, data["kind"], data["target"],
               data["precision"], tuple(data["sensors"]), tuple(data["models"]),
               tuple(data["toolchain"]), rel("linker_script"), rel("sketch"), rel("app"), flash,
               deploy.get("path", ""), deploy.get("command", ""))


def all_kits(boards_dir: Path | None = None) -> dict[str, Kit]:
    """Every kit under `boards_dir` (default `kits/boards`), by id."""
    return _load_all(boards_dir or default_boards_dir())


@cache
def _load_all(boards_dir: Path) -> dict[str, Kit]:
    kits = [load_kit(d) for d in sorted(boards_dir.iterdir()) if (d / "kit.yaml").exists()]
    kits.sort(key=lambda k: (KINDS.index(k.kind), k.name))  # microcontrollers first
    return {k.id: k for k in kits}


def find_kit(name: str, boards_dir: Path | None = None) -> Kit:
    """A kit by id or by (forgiving) name; unknown names list the closest ones."""
    kits = all_kits(boards_dir)
    norm = name.lower().replace("-", "_").replace(" ", "_")
    if norm in kits:
        return kits[norm]
    for kit in kits.values():
        if kit.name.lower() == name.lower():
            return kit
    hits = [k for k in kits if k.startswith(norm)]
    if len(hits) == 1:
        return kits[hits[0]]
    close = difflib.get_close_matches(norm, list(kits), n=3, cutoff=0.4)
    raise UnknownKitError(name, close, list(kits))


def check(root: Path) -> list[str]:
    """`check:` of the curriculum entry: every kit.yaml loads, with its device in mlsysim.

    Returns problems as `file:line: severity: message` (empty when all kits are sound)."""
    problems = []
    for d in sorted((root / "kits" / "boards").iterdir()):
        if not (d / "kit.yaml").exists():
            continue
        try:
            load_kit(d)
        except KitFileError as exc:
            where, _, msg = str(exc).partition(": ")
            problems.append(f"{where}: error: {msg}")
    return problems
