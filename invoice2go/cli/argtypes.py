"""Rules of the domain as argparse types: a value the rule refuses is a usage error, said in the
reader's language (exit 2)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from i18n import explain
from importer.domain.errors import InvalidValue


def typed(
    check: Callable[[str], Any], locale: str, *, name: str | None = None
) -> Callable[[str], Any]:
    """Return an argparse type that applies a rule of the domain, refusing in the locale.

    name is what argparse calls the type when the text is not even of it (a ValueError):
    "invalid int value: 'x'"."""

    def convert(text: str) -> Any:
        try:
            return check(text)
        except InvalidValue as error:
            raise argparse.ArgumentTypeError(explain(error, locale)) from None

    if name is not None:
        convert.__name__ = name
    return convert
