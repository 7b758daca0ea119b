"""The design card's boundaries, checked: optimizer/ (and training's pure parts) import no
web framework or database layer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("flask", "flask_sqlalchemy", "sqlalchemy", "scheduler", "training", "webapp", "celery", "psycopg")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def pure_files() -> list[Path]:
    files = sorted((ROOT / "optimizer").rglob("*.py"))
    pure_training = ROOT / "training" / "pure"
    if pure_training.exists():
        files += sorted(pure_training.rglob("*.py"))
    return files


@pytest.mark.parametrize("path", pure_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_pure_package_imports_no_framework(path: Path) -> None:
    bad = _imports(path).intersection(FORBIDDEN)
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_scan_finds_files() -> None:
    assert len(pure_files()) >= 2
