"""argparse's own words ("usage:", "error:", "options"…) in the reader's language.

argparse looks each of them up through its module's `_` when it prints, so while the command
line is parsed that hook reads our catalogues; the texts below are argparse's own msgids (those
a person meets), listed so that `make messages` gathers them.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from i18n import N_, gettext

ARGPARSE_WORDS = (
    N_("usage: "),
    N_("options"),
    N_("positional arguments"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("unrecognized arguments: %s"),
    N_("expected one argument"),
    N_("expected at least one argument"),
    N_("expected at most one argument"),
    N_("invalid %(type)s value: %(value)r"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("one of the arguments %s is required"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
)


@contextmanager
def argparse_speaks(locale: str) -> Iterator[None]:
    """Let argparse print its own words in the locale's language for the duration."""
    hook: Callable[[str], str] = getattr(argparse, "_")  # noqa: B009  # typeshed leaves it out
    setattr(argparse, "_", lambda message: gettext(message, locale))  # noqa: B010
    try:
        yield
    finally:
        setattr(argparse, "_", hook)  # noqa: B010
