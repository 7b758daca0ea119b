"""Query-parameter parsing for views: bounded, typed, never a 500 on hostile input."""

from __future__ import annotations

from datetime import date

from flask import request


def int_arg(name: str, default: int, lo: int, hi: int) -> int:
    """An integer query parameter clamped to [lo, hi]; junk gives the default."""
    raw = request.args.get(name, "")
    try:
        value = int(raw)
    except ValueError:
        return default
    return max(lo, min(hi, value))


def date_arg(name: str, default: date) -> date:
    """An ISO date query parameter; junk gives the default."""
    raw = request.args.get(name, "")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return default


def str_arg(name: str, default: str = "", max_length: int = 100) -> str:
    return request.args.get(name, default)[:max_length]
