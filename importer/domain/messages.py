"""Messages as data: an English text with {placeholders} and its values, translated only where a
person reads it (i18n), so the domain and the services never need to know the reader's language.

Mark a message with N_ where it is written: `make messages` gathers every N_("…") into the
catalogues. A value may be a message itself (an Msgid, or a Text with values of its own) or a
OneOf; each is shown in the reader's language too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
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


def joined(texts: list[Text]) -> Text:
    """Return several messages as one, shown one after another, separated by "; "."""
    if len(texts) == 1:
        return texts[0]
    # The message has no words of its own: the catalogues need no entry for it.
    return Text("{texts}", MappingProxyType({"texts": Texts(texts)}))


# A message kept in a store (why a job failed) is plain data: JSON and BSON hold it as it is,
# and it is read back into a Text a reader of any language is shown.


def to_data(text: Text) -> dict[str, Any]:
    """Return a message as plain data (dicts, lists, strings and numbers)."""
    return {
        "message": str(text.message),
        "values": {name: _value_data(value) for name, value in text.values.items()},
    }


def from_data(data: Any) -> Text:
    """Return the message to_data gave; a bare string (kept before messages were data) is
    English text shown as it is."""
    if isinstance(data, str):
        return Text(data)
    values = data.get("values") or {}
    return Text(
        str(data["message"]),
        MappingProxyType({name: _value_from(value) for name, value in values.items()}),
    )


def _value_data(value: Any) -> Any:
    if isinstance(value, Text):
        return {"text": to_data(value)}
    if isinstance(value, Texts):
        return {"texts": [to_data(text) for text in value]}
    if isinstance(value, Msgid):
        return {"msgid": str(value)}
    if isinstance(value, OneOf):
        return {"one_of": list(value)}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _value_from(data: Any) -> Any:
    if not isinstance(data, Mapping):
        return data
    if "text" in data:
        return from_data(data["text"])
    if "texts" in data:
        return Texts(from_data(text) for text in data["texts"])
    if "msgid" in data:
        return Msgid(data["msgid"])
    if "one_of" in data:
        return OneOf(data["one_of"])
    if "decimal" in data:
        return Decimal(data["decimal"])
    return data
