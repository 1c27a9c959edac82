"""The shipped assets (CSS, JS, icons), copied into every site."""

from __future__ import annotations

from .config import ASSETS_DIR, SITE_ASSETS


class _Assets:
    """The shipped assets (CSS, JS, icons) copied into the site."""

    def _write_assets(self) -> None:
        for name in SITE_ASSETS:
            src = ASSETS_DIR / name
            if src.exists():
                self.write_bytes(f"assets/{name}", src.read_bytes(), "_assets")
