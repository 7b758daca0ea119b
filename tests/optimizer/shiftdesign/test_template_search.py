"""The search by template: which groups of templates it re-optimises, and in what order."""

from __future__ import annotations

import random

from optimizer.shiftdesign.solve import _template_groups


def test_two_templates_are_searched_one_at_a_time() -> None:
    # together they are the whole model, which the full search already covers
    assert _template_groups(2, random.Random(0)) == [(0,), (1,)]


def test_pairs_of_neighbouring_templates_come_first() -> None:
    groups = _template_groups(5, random.Random(3))
    assert sorted(groups) == [(a, b) for a in range(5) for b in range(a + 1, 5)]
    neighbours = {(0, 1), (1, 2), (2, 3), (3, 4), (0, 4)}  # in the day, cyclically
    assert set(groups[:5]) == neighbours
