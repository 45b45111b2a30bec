"""Messages as data: an English text with {placeholders} and its values, translated only where a
person reads it (i18n), so the domain and the services never need to know the reader's language.

Mark a message with N_ where it is written: `make messages` gathers every N_("…") into the
catalogues. A value may be a message itself (an Msgid, or a Text with values of its own) or a
OneOf; each is shown in the reader's language too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


class Msgid(str):
    """English text that is also a catalogue key: shown translated wherever it is a value."""

    __slots__ = ()


def N_(message: str) -> Msgid:
    """Mark a message for the catalogues where it is written; it is translated where shown."""
    return Msgid(message)


class OneOf(tuple[str, ...]):
    """Alternatives, shown as "a, b or c" in the reader's language."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Text:
    """A message and the values that fill it: English as str(), any language through i18n."""

    message: str
    values: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def __str__(self) -> str:
        return english(self.message, self.values)


class Texts(tuple[Text, ...]):
    """Several messages shown one after another, separated by "; "."""

    __slots__ = ()


def english(message: str, values: Mapping[str, Any]) -> str:
    """Return a message filled with its values, in English (the messages' own language)."""
    if not values:
        return message
    return message.format(**{name: _english_value(value) for name, value in values.items()})


def _english_value(value: Any) -> Any:
    if isinstance(value, OneOf):
        if len(value) < 2:
            return "".join(value)
        return f"{', '.join(value[:-1])} or {value[-1]}"
    if isinstance(value, Texts):
        return "; ".join(str(text) for text in value)
    if isinstance(value, Text):
        return str(value)
    return value
