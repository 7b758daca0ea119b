"""Where the shared benchmark instances and call-volume history live.

``WFM_SHARED_DIR`` if set, else ``shared/`` beside the repository (as CI lays it out),
else ``/work/shared``.  Tests that read it skip on a developer machine without it, but in
CI (``CI=true``) a missing folder is an error: those tests must not vanish silently.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_REPO = Path(__file__).resolve().parents[1]


def shared_root() -> Path:
    env = os.environ.get("WFM_SHARED_DIR")
    candidates = [Path(env)] if env else []
    candidates += [_REPO.parent / "shared", Path("/work/shared")]
    for c in candidates:
        if c.is_dir():
            return c
    return candidates[0]


SHARED_ROOT = shared_root()


def needs(path: Path) -> pytest.MarkDecorator:
    """Skip when ``path`` is missing, except in CI where that fails the run."""
    if not path.exists() and os.environ.get("CI") == "true":
        raise RuntimeError(f"shared data missing in CI: {path}")
    return pytest.mark.skipif(not path.exists(), reason=f"shared data not present: {path}")
