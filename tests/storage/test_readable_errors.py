"""The stores' errors a person reads are catalogue messages with values, never English f-strings."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Errors shown as they are to a person (the command line, Slack, a job's summary).
SHOWN = {"StoreError", "ConfigurationError"}
SOURCES = sorted(
    path
    for folder in ("storage", "importer")
    for path in (ROOT / folder).rglob("*.py")
    if path != ROOT / "storage" / "runs.py"
)


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: str(path.relative_to(ROOT)))
def test_shown_errors_are_raised_with_catalogue_messages(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    english = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in SHOWN
        and node.args
        and not (
            isinstance(node.args[0], ast.Call)
            and isinstance(node.args[0].func, ast.Name)
            and node.args[0].func.id == "N_"
        )
        and not isinstance(node.args[0], ast.Name)
        and not isinstance(node.args[0], ast.Subscript)
    ]
    assert english == []
