"""Callout icons of our own: small line drawings in inline SVG.

Emoji depend on the reader's fonts (without an emoji font they are empty boxes) and ignore
the theme; these are paths stroked with `currentColor`, so they take the callout's colour in
light and dark mode alike. Each is drawn on a 24x24 grid with 2-unit round strokes.
"""

from __future__ import annotations

import html

_PATHS: dict[str, str] = {
    # an "i" in a circle
    "info": '<circle cx="12" cy="12" r="9"/><path d="M12 11v5.5M12 7.6v.1"/>',
    # a bulb with its screw base
    "lightbulb": ('<path d="M9.2 17h5.6M10.2 20.5h3.6"/>'
                  '<path d="M12 3.2a5.8 5.8 0 0 0-3.4 10.5c.5.4.8.9.8 1.5V17h5.2v-1.8c0-.6.3-1.1'
                  '.8-1.5A5.8 5.8 0 0 0 12 3.2z"/>'),
    # a warning triangle with "!"
    "warning": ('<path d="M10.3 4.2 2.7 17.6A2 2 0 0 0 4.4 20.5h15.2a2 2 0 0 0 1.7-2.9L13.7 4.2a2 2'
                ' 0 0 0-3.4 0z"/><path d="M12 9.5v4.5M12 17.1v.1"/>'),
    # a stop-sign octagon with "!"
    "caution": ('<path d="M8.3 3h7.4L21 8.3v7.4L15.7 21H8.3L3 15.7V8.3z"/>'
                '<path d="M12 7.5v5.5M12 16.3v.1"/>'),
    # a speech bubble with "!"
    "important": ('<path d="M5 3.5h14a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2h-7l-4.5 3.5v-3.5H5a2 2 0 0 1'
                  '-2-2v-10a2 2 0 0 1 2-2z"/><path d="M12 7v4.8M12 14.5v.1"/>'),
    # an open book
    "book": ('<path d="M12 6.5C10 4.8 6.8 4.3 3 4.8v13.5c3.8-.5 7 0 9 1.7 2-1.7 5.2-2.2 9-1.7V4.8'
             'c-3.8-.5-7 0-9 1.7z"/><path d="M12 6.5V20"/>'),
    # a conical lab flask with liquid
    "flask": ('<path d="M9 3h6M10 3v6.2L4.6 18.3A1.8 1.8 0 0 0 6.2 21h11.6a1.8 1.8 0 0 0 1.6-2.7'
              'L14 9.2V3"/><path d="M7.2 15h9.6"/>'),
    # a pocket calculator: display and keys
    "calculator": ('<rect x="5" y="2.5" width="14" height="19" rx="2"/><path d="M8.5 6.5h7v3h-7z"/>'
                   '<path d="M8.7 13.2h.1M12 13.2h.1M15.3 13.2h.1M8.7 17h.1M12 17h.1M15.3 17h.1"/>'),
    # a tick in a circle
    "check": '<circle cx="12" cy="12" r="9"/><path d="m8 12.3 2.8 2.8L16.2 9.5"/>',
    # a push pin
    "pin": ('<path d="M9 3h6M10 3.2l-.8 6.3-3 3V14h11.6v-1.5l-3-3-.8-6.3"/>'
            '<path d="M12 14v7"/>'),
    # a question mark in a circle
    "question": ('<circle cx="12" cy="12" r="9"/><path d="M9.6 9.4a2.5 2.5 0 1 1 3.6 2.3c-.7.3'
                 '-1.2 1-1.2 1.7v.6M12 16.9v.1"/>'),
}

# Other names a project may use for the same drawings (Quarto's callout kinds among them).
ALIASES = {"note": "info", "tip": "lightbulb", "definition": "book", "example": "flask",
           "napkin-math": "calculator", "checkpoint": "check", "takeaways": "pin",
           "quiz": "question"}

ICON_NAMES = frozenset(_PATHS) | frozenset(ALIASES)


def icon_svg(name: str) -> str | None:
    """The inline SVG of a named icon (None when `name` is not one of ours)."""
    paths = _PATHS.get(ALIASES.get(name, name))
    if paths is None:
        return None
    return ('<svg class="mlsys-icon" viewBox="0 0 24 24" width="1.15em" height="1.15em" '
            'fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" '
            f'stroke-linejoin="round" aria-hidden="true" focusable="false">{paths}</svg>')


def icon_html(value: str) -> str:
    """A callout's `icon:` as HTML: one of our drawings by name, else the text itself."""
    return icon_svg(value.strip()) or html.escape(value)
