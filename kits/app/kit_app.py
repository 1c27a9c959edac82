"""Run a kit's model on a Raspberry Pi 5 or Jetson Orin Nano and print predictions and latency.

Copied to the board by `mlsys kits deploy KIT --host user@host` together with the ONNX models
and recorded test sets; needs only numpy and onnxruntime on the board
(`pip install numpy onnxruntime`). Input comes from a file (a recorded `.npz` with `x` and
optional `y`, a `.npy` array, a `.ppm`/`.pgm` image, or a `.wav` microphone recording for the
keyword model) or from a device: a camera (`--device /dev/video0`, which needs OpenCV) or an
ALSA microphone (`--mic plughw:1,0`, which needs `arecord`).

    python3 kit_app.py --model image.onnx --input image_test.npz
    python3 kit_app.py --model image.onnx --input photo.ppm
    python3 kit_app.py --model kws.onnx --input recording.wav
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np


class AppError(Exception):
    """A problem the user can fix (missing file, wrong shape, missing package)."""


def read_ppm(path: Path) -> np.ndarray:
    """A binary PGM (P5) or PPM (P6) image as float (C, H, W) in [0, 1]."""
    data = path.read_bytes()
    fields: list[bytes] = []
    pos = 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    magic, w, h, maxval = fields[0], int(fields[1]), int(fields[2]), int(fields[3])
    if magic not in (b"P5", b"P6") or maxval > 255:
        raise AppError(f"{path}: only 8-bit binary PGM (P5) or PPM (P6) images are supported")
    c = 3 if magic == b"P6" else 1
    pix = np.frombuffer(data[pos + 1:pos + 1 + w * h * c], dtype=np.uint8)
    return pix.reshape(h, w, c).transpose(2, 0, 1).astype(np.float32) / maxval


def fit_image(img: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    """Block-average (and channel-broadcast) an image to the model's (C, H, W)."""
    c, h, w = shape
    if img.shape[0] != c:
        img = np.repeat(img.mean(axis=0, keepdims=True), c, axis=0)
    ys = np.linspace(0, img.shape[1], h + 1).astype(int)
    xs = np.linspace(0, img.shape[2], w + 1).astype(int)
    out = np.empty((c, h, w), np.float32)
    for i in range(h):
        for j in range(w):
            out[:, i, j] = img[:, ys[i]:max(ys[i + 1], ys[i] + 1),
                               xs[j]:max(xs[j + 1], xs[j] + 1)].mean(axis=(1, 2))
    return out


def wav_features(path: Path, shape: tuple[int, int, int]) -> np.ndarray:
    """A mono 16-bit WAV as (1, frames, bands) band energies: the recording is cut into
    `frames` equal windows, each window's spectrum pooled into `bands` linear bands from 100 Hz
    to 4 kHz, and the whole map scaled so its loudest cell is 1 (what the kws model learned)."""
    import wave

    _, frames, bands = shape
    with wave.open(str(path)) as w:
        if w.getsampwidth() != 2:
            raise AppError(f"{path}: only 16-bit PCM WAV is supported")
        rate, ch = w.getframerate(), w.getnchannels()
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32)
    audio = pcm.reshape(-1, ch).mean(axis=1) / 32768.0
    win = len(audio) // frames
    if win < 64:
        raise AppError(f"{path}: too short ({len(audio)} samples) for {frames} frames")
    spec = np.abs(np.fft.rfft(audio[: win * frames].reshape(frames, win) * np.hanning(win)))
    freqs = np.fft.rfftfreq(win, 1.0 / rate)
    edges = np.linspace(100.0, 4000.0, bands + 1)
    band = np.digitize(freqs, edges) - 1
    energy = np.stack([spec[:, band == b].sum(axis=1) for b in range(bands)], axis=1)
    return (energy / max(float(energy.max()), 1e-9))[None].astype(np.float32)


def load_input(source: str, shape: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray | None]:
    """Float inputs (N, C, H, W) and labels when the file has them."""
    path = Path(source)
    if not path.exists():
        raise AppError(f"{path}: no such file")
    if path.suffix == ".npz":
        with np.load(path) as f:
            return f["x"].astype(np.float32), (f["y"] if "y" in f else None)
    if path.suffix == ".npy":
        x = np.load(path).astype(np.float32)
        return (x[None] if x.ndim == 3 else x), None
    if path.suffix in (".ppm", ".pgm"):
        return fit_image(read_ppm(path), shape)[None], None
    if path.suffix == ".wav":
        return wav_features(path, shape)[None], None
    raise AppError(f"{path}: unsupported input (use .npz, .npy, .ppm, .pgm or .wav)")


def capture(device: str, shape: tuple[int, int, int]) -> np.ndarray:
    try:
        import cv2
    except ImportError:
        raise AppError("--device needs OpenCV: pip install opencv-python-headless") from None
    cam = cv2.VideoCapture(device)
    ok, frame = cam.read()
    cam.release()
    if not ok:
        raise AppError(f"{device}: could not read a frame (is the camera connected?)")
    rgb = frame[:, :, ::-1].transpose(2, 0, 1).astype(np.float32) / 255.0
    return fit_image(rgb, shape)[None]


def record(device: str, shape: tuple[int, int, int], seconds: int = 1) -> np.ndarray:
    """One second from an ALSA microphone (`arecord`, in alsa-utils) as keyword features."""
    import shutil
    import subprocess
    import tempfile

    if shutil.which("arecord") is None:
        raise AppError("--mic needs arecord: sudo apt-get install alsa-utils")
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "mic.wav"
        proc = subprocess.run(["arecord", "-q", "-D", device, "-f", "S16_LE", "-r", "16000",
                               "-c", "1", "-d", str(seconds), str(wav)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise AppError(f"{device}: could not record ({proc.stderr.strip()}); list the "
                           "microphones with `arecord -l`")
        return wav_features(wav, shape)[None]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", required=True, help="ONNX model exported by mlsys kits")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--input", help=".npz/.npy recording, a .ppm/.pgm image or a .wav")
    src.add_argument("--device", help="camera device, e.g. /dev/video0")
    src.add_argument("--mic", help="ALSA microphone for the keyword model, e.g. plughw:1,0")
    p.add_argument("--labels", default="", help="comma-separated class names")
    p.add_argument("--quiet", action="store_true", help="only the summary line")
    args = p.parse_args(argv)
    try:
        import onnxruntime as ort
    except ImportError:
        print("error: needs onnxruntime: pip install numpy onnxruntime", file=sys.stderr)
        return 1
    try:
        sess = ort.InferenceSession(args.model, providers=ort.get_available_providers())
        inp = sess.get_inputs()[0]
        shape = tuple(int(d) for d in inp.shape[1:])
        if args.input:
            x, y = load_input(args.input, shape)
        else:
            x, y = (capture(args.device, shape) if args.device else record(args.mic, shape)), None
        if tuple(x.shape[1:]) != shape:
            raise AppError(f"input has shape {x.shape[1:]}, the model expects {shape}")
    except (AppError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    names = args.labels.split(",") if args.labels else None
    times, preds = [], []
    for i in range(len(x)):
        t0 = time.perf_counter()
        probs = sess.run(None, {inp.name: x[i:i + 1]})[0][0]
        times.append(time.perf_counter() - t0)
        k = int(probs.argmax())
        preds.append(k)
        if not args.quiet:
            label = names[k] if names else str(k)
            print(f"sample {i}: {label} (p = {probs[k]:.3f}) in {times[-1] * 1e6:.0f} us")
    acc = f", accuracy {np.mean(np.array(preds) == y):.3f}" if y is not None else ""
    print(f"summary: {len(x)} inferences, median {np.median(times) * 1e6:.0f} us{acc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
