"""Board drawings as inline SVG: the board, its chip, its sensors and the USB cable to the
computer, coloured with the site's theme variables so they follow light and dark mode."""

from __future__ import annotations

from html import escape

from .boards import Kit

W, H = 560, 240


def _box(x: int, y: int, w: int, h: int, label: str, sub: str = "", fill: str = "--surface",
         ) -> str:
    sub_el = (f'<text x="{x + w / 2}" y="{y + h / 2 + 16}" text-anchor="middle" '
              f'font-size="11" stroke="none" fill="var(--muted)">{escape(sub)}</text>') if sub else ""
    return (f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="6" fill="var({fill})" '
            f'stroke="var(--fg)" stroke-width="1.5"/>'
            f'<text x="{x + w / 2}" y="{y + h / 2 + (0 if sub else 4)}" text-anchor="middle" '
            f'font-size="13" stroke="none" fill="var(--fg)">{escape(label)}</text>{sub_el}')


def board_svg(kit: Kit) -> str:
    """A labelled drawing of the kit: what connects to what, not a photograph."""
    d = kit.device
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" '
             f'class="kit-drawing" aria-label="Drawing of the {escape(kit.name)}" '
             'style="max-width:100%;height:auto;font-family:var(--font-sans, sans-serif)">',
             f'<rect x="10" y="10" width="360" height="{H - 20}" rx="14" fill="none" '
             'stroke="var(--accent)" stroke-width="2.5"/>',
             f'<text x="20" y="30" font-size="12" stroke="none" fill="var(--accent)">{escape(kit.name)}</text>',
             _box(30, 45, 170, 70, d.name, (d.core or "").split(" (")[0], "--code-bg")]
    for i, sensor in enumerate(kit.sensors[:4]):
        short = sensor.split(" (")[0]
        short = short if len(short) <= 18 else short[:17] + "…"
        parts.append(_box(215, 45 + i * 44, 145, 36, short))
        parts.append(f'<line x1="200" y1="80" x2="215" y2="{63 + i * 44}" stroke="var(--muted)" '
                     'stroke-width="1"/>')
    port = "USB-C" if kit.kind != "linux" else "Ethernet / Wi-Fi"
    parts += [_box(30, 150, 170, 50, port, "power + data"),
              '<path d="M200 175 C 300 175, 380 175, 420 175" fill="none" stroke="var(--fg)" '
              'stroke-width="2" stroke-dasharray="6 4"/>',
              _box(420, 140, 125, 70, "your computer",
                   "mlsys kits flash" if kit.kind != "linux" else "mlsys kits deploy"),
              "</svg>"]
    return "".join(parts)
