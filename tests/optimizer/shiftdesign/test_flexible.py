"""Flexible templates expand to exactly the concrete shifts their windows allow."""

from __future__ import annotations

import pytest

from optimizer.shiftdesign.flexible import FlexibleTemplate, expand, expand_all


def test_expand_start_window_times_length_range() -> None:
    early = FlexibleTemplate("E", earliest_start=300, latest_start=480, start_step=60,
                             min_length=420, max_length=540, length_step=60)
    shifts = expand(early)
    assert shifts == [(s, length) for s in (300, 360, 420, 480) for length in (420, 480, 540)]


def test_step_that_does_not_divide_the_window_stops_inside_it() -> None:
    t = FlexibleTemplate("T", 600, 650, 30, 240, 300, 45)
    assert expand(t) == [(600, 240), (600, 285), (630, 240), (630, 285)]


def test_window_crossing_midnight_folds_into_the_day() -> None:
    night = FlexibleTemplate("N", earliest_start=1380, latest_start=1500, start_step=60,
                             min_length=480, max_length=480, length_step=60)
    assert expand(night) == [(0, 480), (60, 480), (1380, 480)]


def test_fixed_template_is_one_shift() -> None:
    assert expand(FlexibleTemplate.fixed("D", 540, 480)) == [(540, 480)]


def test_overlapping_templates_offer_each_shift_once() -> None:
    a = FlexibleTemplate("A", 360, 480, 60, 480, 480, 60)
    b = FlexibleTemplate("B", 420, 540, 60, 480, 480, 60)
    assert expand_all([a, b]) == [(360, 480), (420, 480), (480, 480), (540, 480)]


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(earliest_start=600, latest_start=500, start_step=15, min_length=60, max_length=60, length_step=15),
        dict(earliest_start=0, latest_start=60, start_step=0, min_length=60, max_length=60, length_step=15),
        dict(earliest_start=0, latest_start=60, start_step=15, min_length=120, max_length=60, length_step=15),
        dict(earliest_start=0, latest_start=1440, start_step=15, min_length=60, max_length=60, length_step=15),
    ],
)
def test_bad_templates_are_refused_by_name(kwargs: dict) -> None:
    with pytest.raises(ValueError, match="'bad'"):
        FlexibleTemplate("bad", **kwargs)
