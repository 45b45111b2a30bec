"""Run a parsed query against a list of records: filter, order, page."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache, partial
from typing import Any

from qbo_simulator.envelopes import parse_qbo_time
from qbo_simulator.query import Condition, Query, QueryValidationError, Value

Record = dict[str, Any]
# Where a nested object stands for one comparable value (refs, emails, phones, web sites).
_LEAF_KEYS = ("value", "Address", "FreeFormNumber", "URI")


def resolve(record: Record, path: Sequence[str]) -> Any:
    """Follow an already-canonical dotted path; None when a step is missing."""
    current: Any = record
    for step in path:
        if not isinstance(current, dict):
            return None
        current = current.get(step)
    if isinstance(current, dict):
        for key in _LEAF_KEYS:
            if key in current:
                return current[key]
    return current


def canonical_path(prop: str, fields: dict[str, str]) -> tuple[str, ...]:
    """Map a case-insensitive property to the record's spelling, or refuse it like QBO."""
    canonical = fields.get(prop.lower())
    if canonical is None:
        raise QueryValidationError(f"QueryValidationError: property '{prop}' is not queryable")
    return tuple(canonical.split("."))


def _comparable(actual: Any, literal: Value) -> tuple[Any, Any] | None:
    if actual is None:
        return None
    if isinstance(actual, bool) or isinstance(literal, bool):
        wanted = literal if isinstance(literal, bool) else str(literal).lower() == "true"
        return bool(actual), wanted
    if isinstance(actual, int | float):
        try:
            return float(actual), float(literal)
        except ValueError:
            return None
    text = str(actual)
    if isinstance(literal, str) and _looks_like_date(text) and _looks_like_date(literal):
        try:
            return instant(text), instant(literal)
        except ValueError:
            return None
    return text.casefold(), str(
        literal if not isinstance(literal, float) else _num(literal)
    ).casefold()


def _num(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)


@lru_cache(maxsize=262144)
def instant(text: str) -> float:
    """Return the epoch seconds of a QBO date or datetime, cached: paging repeats them."""
    return parse_qbo_time(text).timestamp()


def _looks_like_date(text: str) -> bool:
    return len(text) >= 10 and text[4] == "-" and text[7] == "-" and text[:4].isdigit()


def _like(pattern: str) -> re.Pattern[str]:
    parts = (re.escape(part) for part in pattern.split("%"))
    return re.compile(".*".join(parts), re.IGNORECASE | re.DOTALL)


def matcher(condition: Condition, path: tuple[str, ...]) -> Any:
    """Build a predicate record -> bool for one WHERE condition."""
    op = condition.op
    if op == "LIKE":
        regex = _like(str(condition.values[0]))
        return lambda r: (v := resolve(r, path)) is not None and bool(regex.fullmatch(str(v)))

    def test(record: Record) -> bool:
        actual = resolve(record, path)
        if op == "IN":
            for literal in condition.values:
                pair = _comparable(actual, literal)
                if pair is not None and pair[0] == pair[1]:
                    return True
            return False
        pair = _comparable(actual, condition.values[0])
        if pair is None:
            return False
        left, right = pair
        if op == "=":
            return bool(left == right)
        try:
            return bool(
                {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[op]
            )
        except TypeError:
            return False

    return test


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, bool | int | float):
        return (1, float(value))
    text = str(value)
    if text.isdigit():
        return (1, float(text))
    if _looks_like_date(text):
        try:
            return (2, instant(text))
        except ValueError:
            pass
    return (3, text.casefold())


def _row_key(path: tuple[str, ...], row: Record) -> tuple[int, Any]:
    return _sort_key(resolve(row, path))


def order_rows(rows: list[Record], order: list[tuple[tuple[str, ...], bool]]) -> list[Record]:
    """Sort rows by several keys, each ascending or descending; ties keep numeric Id order."""
    result = list(rows)
    for path, descending in reversed(order):
        result.sort(key=partial(_row_key, path), reverse=descending)
    return result


def run(
    query: Query, rows: list[Record], fields: dict[str, str], *, skip_active: bool
) -> list[Record]:
    """Filter and order rows; skip_active when the caller already applied the Active rule."""
    wanted = [c for c in query.where if not (skip_active and c.prop.lower() == "active")]
    tests = [matcher(c, canonical_path(c.prop, fields)) for c in wanted]
    selected = [r for r in rows if all(t(r) for t in tests)] if tests else rows
    order = [(canonical_path(p, fields), d) for p, d in query.order]
    if order and order != [(("Id",), False)]:
        selected = order_rows(selected, order)
    return selected


def active_condition(query: Query) -> Condition | None:
    """Return the query's own Active predicate, if it has one."""
    return next((c for c in query.where if c.prop.lower() == "active"), None)
