"""Text colour on a coloured background (shift templates carry their own colours)."""

from __future__ import annotations

DARK_INK, LIGHT_INK = "#1b1f24", "#ffffff"


def ink_on(background: str) -> str:
    """Dark or white text, whichever has the higher contrast ratio on ``background``
    (``#rrggbb``; WCAG's relative luminance and ratio), so a night shift's deep purple
    gets white letters and a mid green or a pale early shift keep dark ones.  Anything
    that is not a six-digit colour gets dark text, the page's own."""
    value = background.strip().lstrip("#")
    if len(value) != 6:
        return DARK_INK
    try:
        channels = [int(value[k : k + 2], 16) / 255 for k in (0, 2, 4)]
    except ValueError:
        return DARK_INK
    bg = _luminance(channels)
    on_white = 1.05 / (bg + 0.05)
    on_dark = (bg + 0.05) / (_DARK + 0.05)
    return LIGHT_INK if on_white > on_dark else DARK_INK


def _luminance(channels: list[float]) -> float:
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


_DARK = _luminance([int(DARK_INK[k : k + 2], 16) / 255 for k in (1, 3, 5)])
