"""When two names are the same name (R1): the normalised key a person would agree with."""

from __future__ import annotations

import re
import unicodedata

MAX_NAME_LENGTH = 500
# QBO refuses tabs and line breaks in names; so do hand-typed names (they would break lists).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

_QUOTE_FORMS = {
    # apostrophes and single quotes
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u02bc": "'",
    "\u0060": "'",
    "\u00b4": "'",
    # double quotes
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
}
_QUOTE_TABLE = str.maketrans(_QUOTE_FORMS)


def name_key(name: str) -> str:
    """Return the normalised form two names share when a person would call them the same."""
    if name.isascii():
        # NFKC leaves ASCII alone and casefold is lower() there: the common case, made cheap.
        return " ".join(name.replace("`", "'").lower().split())
    text = unicodedata.normalize("NFKC", name).translate(_QUOTE_TABLE)
    text = " ".join(text.casefold().split())
    # casefold can leave text that is no longer NFKC (for example "ǰ"); normalise once more.
    return unicodedata.normalize("NFKC", text)


def display_name(name: str) -> str:
    """Return the name as stored: the QBO spelling with surrounding white space removed."""
    return name.strip()


def is_valid_name(name: str, key: str | None = None) -> bool:
    """Tell whether a name can be a client's, an item's or an account's: not empty, not
    over-long, no tabs, line breaks or other control characters (R5).

    key is the name's name_key when the caller has it already.
    """
    stripped = name.strip()
    if not stripped or len(stripped) > MAX_NAME_LENGTH or _CONTROL.search(stripped):
        return False
    return bool(name_key(stripped) if key is None else key)
