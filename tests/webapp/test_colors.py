"""Text on shift-template colours stays readable."""

from __future__ import annotations

import pytest

from webapp.colors import DARK_INK, LIGHT_INK, ink_on


@pytest.mark.parametrize(("background", "ink"), [
    ("#4e3d8f", LIGHT_INK),   # a night shift's deep purple
    ("#59a14f", DARK_INK),    # the default day green: 5.4:1 with dark text, 3.1:1 with white
    ("#5f4b8b", LIGHT_INK),   # the demo night shift
    ("#9ecae9", DARK_INK),    # a pale early shift
    ("#000000", LIGHT_INK),
    ("#ffffff", DARK_INK),
    ("not a colour", DARK_INK),
    ("#12345", DARK_INK),
])
def test_ink_on(background: str, ink: str) -> None:
    assert ink_on(background) == ink
