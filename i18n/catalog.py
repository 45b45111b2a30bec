"""Load the catalogues once, translate, fill placeholders, pick a locale from what people send."""

from __future__ import annotations

import io
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from importer.domain.messages import N_, Msgid, OneOf, Text, Texts

DEFAULT_LOCALE = "en"
FOLDER = Path(__file__).with_name("locales")


def _present(folder: Path) -> tuple[str, ...]:
    """English (the messages themselves), then each language with a catalogue in the folder:
    locales/<lang>/LC_MESSAGES/messages.po, shipped as it is and compiled when first used."""
    found = {path.parents[1].name for path in folder.glob("*/LC_MESSAGES/messages.po")}
    return (DEFAULT_LOCALE, *sorted(found - {DEFAULT_LOCALE}))


LOCALES = _present(FOLDER)


__all__ = ["N_", "explain", "format_number", "gettext", "ngettext", "pick_locale", "translate"]


@cache
def _translations(locale: str) -> NullTranslations:
    """Return a language's translations, read from its .po file (compiled in memory)."""
    path = FOLDER / locale / "LC_MESSAGES" / "messages.po"
    if locale == DEFAULT_LOCALE or not path.exists():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def format_number(value: int | Decimal, locale: str) -> str:
    """Write a number as the locale does: 12,345 in English, 12.345 in Spanish."""
    return format_decimal(value, locale=_known(locale))


def format_amount(value: Decimal, locale: str) -> str:
    """Write an amount of money with its cents as the locale does: 12,345.50 or 12.345,50."""
    return format_decimal(
        value, format="#,##0.00", locale=_known(locale), decimal_quantization=False
    )


def _filled(text: str, locale: str, values: dict[str, Any]) -> str:
    if not values:
        return text
    return text.format(**{name: _shown(value, locale) for name, value in values.items()})


def _shown(value: Any, locale: str) -> Any:
    """Return a value as the locale writes it: numbers, messages and lists of choices."""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return format_number(value, locale)
    if isinstance(value, Msgid):
        return gettext(value, locale)
    if isinstance(value, Text):
        return translate(value, locale)
    if isinstance(value, Texts):
        return "; ".join(translate(text, locale) for text in value)
    if isinstance(value, OneOf):
        return format_list(list(value), style="or", locale=_known(locale)) if value else ""
    return value


def _known(locale: str) -> str:
    return locale if locale in LOCALES else DEFAULT_LOCALE


def gettext(message: str, locale: str, /, **values: Any) -> str:
    """Return the message in the locale's language, its placeholders filled."""
    text = _translations(_known(locale)).gettext(message)
    return _filled(text, locale, values)


def ngettext(singular: str, plural: str, n: int, locale: str, /, **values: Any) -> str:
    """Return the singular or plural form the locale uses for n, with {n} and values filled."""
    text = _translations(_known(locale)).ngettext(singular, plural, n)
    return _filled(text, locale, {"n": n, **values})


def translate(text: Text, locale: str) -> str:
    """Return a message carried as data (an error's, a progress note's) in the locale."""
    return gettext(text.message, locale, **text.values)


def explain(error: BaseException, locale: str) -> str:
    """Return what an error says, in the locale when it is one of the project's own."""
    said = getattr(error, "text", None)
    if isinstance(said, Text):
        return translate(said, locale)
    return str(error) or error.__class__.__name__


def pick_locale(value: str | None) -> str:
    """Return a supported locale from LANG (es_ES.UTF-8), Slack (es-ES) or Accept-Language."""
    if not value:
        return DEFAULT_LOCALE
    for part in value.split(","):
        tag = part.split(";")[0].strip().lower().replace("_", "-")
        language = tag.split("-")[0].split(".")[0]
        if language in LOCALES:
            return language
    return DEFAULT_LOCALE
