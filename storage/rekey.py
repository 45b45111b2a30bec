"""Stored name keys made again after name_key changed (both stores' migrations share this).

A key is stored with each account, client, item and deleted name, so that a look-up by key is an
index search. When name_key changes (NAME_KEY_VERSION), keys written before no longer match the
keys the same names get now: two spellings of one name would be two records (R1). The migration
computes every stored name's key again and writes the ones that changed.

Two records whose keys were different can now have the same key (they were the same name all
along). Both are kept, never one dropped: the one already holding the key (or else the older)
takes it, the other keeps its former key and is logged, for a person to merge or rename.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from importer.domain.names import name_key

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredKey:
    """One stored name: its row (id), the scope its key is unique in, its name and key."""

    row: Hashable
    scope: Hashable
    name: str
    key: str


@dataclass(frozen=True)
class Clash:
    """Two stored names with one key now: kept takes the key, left keeps its former key."""

    scope: Hashable
    kept: str
    left: str
    key: str


def plan_rekeying(
    stored: Iterable[StoredKey],
) -> tuple[dict[Hashable, str], list[Clash]]:
    """Return the new key of each row whose key changes, and the clashes.

    stored comes oldest first. Keys stay unique within a scope: a row whose new key is taken
    keeps its former key (or, if a new key took that too, its new key followed by its row id).
    """
    stored = list(stored)
    holders: dict[tuple[Hashable, str], str] = {}
    changed: list[tuple[StoredKey, str]] = []
    for one in stored:
        key = name_key(one.name)
        if key == one.key:
            holders[(one.scope, key)] = one.name
        else:
            changed.append((one, key))
    moves: dict[Hashable, str] = {}
    clashes: list[Clash] = []
    for one, key in changed:
        holder = holders.get((one.scope, key))
        if holder is not None:
            clashes.append(Clash(one.scope, holder, one.name, key))
            key = one.key if (one.scope, one.key) not in holders else f"{key} #{one.row}"
        holders[(one.scope, key)] = one.name
        if key != one.key:
            moves[one.row] = key
    return moves, clashes


def log_clashes(what: str, clashes: Iterable[Clash]) -> None:
    """Log each clash: two records a person must merge or rename."""
    for clash in clashes:
        log.warning(
            "%s %r and %r in %s now have the same name key %r: both kept, %r keeps its former "
            "key until one is renamed or deleted",
            what,
            clash.kept,
            clash.left,
            clash.scope,
            clash.key,
            clash.left,
        )
