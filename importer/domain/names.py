"""When two names are the same name (R1): the normalised key a person would agree with."""

from __future__ import annotations

import re
import unicodedata

MAX_NAME_LENGTH = 500
# Raised by each change to what name_key returns for some name: the stores keep the version their
# stored keys were made with, and migrate makes them again when it is behind. 1: the first keys;
# 2: look-alike quotes, controls and invisible characters folded; 3: fillers and the rest of the
# default-ignorable characters folded.
NAME_KEY_VERSION = 3
# QBO refuses tabs and line breaks in names; so do hand-typed names (they would break lists).
# Tabs and line breaks: a typed name holding them is refused (a QBO one is cleaned instead).
_BREAKS = re.compile("[\t\n\v\f\r\x85\u2028\u2029]")

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

# Control characters (C0, DEL, C1) that are not white space: a terminal or a chat client acts on
# them (escape sequences), nobody reads them. White-space controls (tab, line breaks, the
# separators U+001C-U+001F, NEL) stay white space.
_CONTROLS = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0)) if not chr(c).isspace()]
# Bidirectional embeddings, overrides and isolates: they reorder what is shown around them.
_BIDI_CONTROLS = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
# Characters that print nothing (a name of only these is no name): zero-width space, non-joiner
# and joiner, direction marks, word joiner and invisible operators, byte-order mark, soft
# hyphen, combining grapheme joiner, Arabic letter mark, Mongolian vowel separator.
_INVISIBLE = [
    *(chr(c) for c in range(0x200B, 0x2010)),
    *(chr(c) for c in range(0x2060, 0x2065)),
    "\ufeff",
    "\u00ad",
    "\u034f",
    "\u061c",
    "\u180e",
    # Fillers that draw a blank: Hangul fillers (choseong, jungseong, compatibility, half-width)
    # and the braille pattern blank.
    "\u115f",
    "\u1160",
    "\u3164",
    "\uffa0",
    "\u2800",
    # The rest of Unicode's default-ignorable characters: Khmer inherent vowels, Mongolian
    # variation selectors, deprecated format characters, variation selectors, reserved
    # specials, shorthand format controls, musical formatting, tags.
    "\u17b4",
    "\u17b5",
    *(chr(c) for c in range(0x180B, 0x1810)),
    "\u2065",
    *(chr(c) for c in range(0x206A, 0x2070)),
    *(chr(c) for c in range(0xFE00, 0xFE10)),
    *(chr(c) for c in range(0xFFF0, 0xFFF9)),
    *(chr(c) for c in range(0x1BCA0, 0x1BCA4)),
    *(chr(c) for c in range(0x1D173, 0x1D17B)),
    *(chr(c) for c in range(0xE0000, 0xE1000)),
]
# Line and paragraph separators break lines like a newline does.
_LINE_BREAKS = ["\u2028", "\u2029"]

# Characters whose NFKC form holds one of the quote forms: mapped as their NFKC form would be.
_QUOTES_AFTER_NFKC = {
    "\u0149": "'n",  # ŉ
    "\u1fef": "'",  # Greek varia
    "\u2034": "'''",  # triple prime
    "\u2057": "''''",  # quadruple prime
    "\uff40": "'",  # full-width grave accent
}

# The key: quotes in their plain forms, everything that prints nothing removed. Applied before
# NFKC, which would turn "´" into a space and a combining accent and "″" into two primes; the
# table holds every character whose NFKC form would need it, so once is enough.
_KEY_TABLE = str.maketrans(
    {
        **_QUOTE_FORMS,
        **_QUOTES_AFTER_NFKC,
        **dict.fromkeys(_CONTROLS + _BIDI_CONTROLS + _INVISIBLE),
        **dict.fromkeys(_LINE_BREAKS, " "),
    }
)
_ASCII_CONTROLS = str.maketrans(dict.fromkeys(c for c in _CONTROLS if c.isascii()))
# What is stored and shown: no controls, no reordering; tabs and line breaks are a space.
# Zero-width characters stay (joiners draw emoji and some scripts' letters).
_SHOWN_TABLE = str.maketrans(
    {
        **dict.fromkeys(_CONTROLS + _BIDI_CONTROLS),
        **{chr(c): " " for c in range(0xA0) if chr(c).isspace() and chr(c) != " "},
        **dict.fromkeys(_LINE_BREAKS, " "),
    }
)


def name_key(name: str) -> str:
    """Return the normalised form two names share when a person would call them the same."""
    if name.isascii():
        # NFKC leaves ASCII alone and casefold is lower() there: the common case, made cheap.
        if not name.isprintable():
            name = name.translate(_ASCII_CONTROLS)
        return " ".join(name.replace("`", "'").lower().split())
    text = unicodedata.normalize("NFKC", name.translate(_KEY_TABLE))
    text = " ".join(text.casefold().split())
    # casefold can leave text that is no longer NFKC (for example "ǰ"); normalise once more.
    return unicodedata.normalize("NFKC", text)


def display_name(name: str) -> str:
    """Return the name as stored and shown: the QBO spelling, surrounding white space removed,
    control and bidirectional control characters removed, line breaks and tabs as spaces."""
    if not name.isprintable():
        name = name.translate(_SHOWN_TABLE)
    return name.strip()


def is_valid_name(name: str, key: str | None = None) -> bool:
    """Tell whether a name can be a client's or an item's: it prints something, not over-long
    (R5), and is text (no lone surrogates, which undecodable command-line bytes become).

    key is the name's name_key when the caller has it already.
    """
    shown = display_name(name)
    if not shown or len(shown) > MAX_NAME_LENGTH:
        return False
    if not shown.isascii():
        try:
            shown.encode()
        except UnicodeEncodeError:
            return False
    return bool(name_key(shown) if key is None else key)


def has_tab_or_line_break(name: str) -> bool:
    """Tell whether a name holds a tab or a line break inside it."""
    return bool(_BREAKS.search(name.strip()))
