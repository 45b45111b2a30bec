"""Logging for the service's processes: JSON lines when not on a terminal, with the request, job
and run ids of the work in hand; configured secrets never reach a line."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

from pythonjsonlogger.json import JsonFormatter

from i18n import translate
from importer.domain.messages import Text
from importer.services.log_context import current_ids

REDACTED = "[redacted]"


class ContextFilter(logging.Filter):
    """Add the current ids to every record, and blank out secret values wherever they appear."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        # Short values would blank out ordinary words; real secrets are long.
        self._secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in current_ids().items():
            setattr(record, name, value)
        if self._secrets:
            message = record.getMessage()
            clean = message
            for secret in self._secrets:
                clean = clean.replace(secret, REDACTED)
            if clean != message:
                record.msg, record.args = clean, None
        return True


class ReaderFormatter(logging.Formatter):
    """For a person at the command line: a log line that carries a message of the catalogues
    (`extra={"text": Text(...)}`) is said in their language, as the command's own lines are."""

    def __init__(self, locale: str) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")
        self._locale = locale

    def format(self, record: logging.LogRecord) -> str:
        text = getattr(record, "text", None)
        if isinstance(text, Text):
            return f"invoice2go: {translate(text, self._locale)}"
        return super().format(record)


def configure(
    level: str,
    secrets: Iterable[str | None] = (),
    *,
    json: bool | None = None,
    locale: str | None = None,
) -> None:
    """Send logs to standard error: JSON lines unless it is a terminal; for a command (a
    locale given, not JSON), messages of the catalogues in the reader's language."""
    as_json = not sys.stderr.isatty() if json is None else json
    handler = logging.StreamHandler(sys.stderr)
    if as_json:
        handler.setFormatter(
            JsonFormatter(
                "{asctime}{levelname}{name}{message}",
                style="{",
                rename_fields={"levelname": "level", "name": "logger", "asctime": "time"},
            )
        )
    elif locale is not None:
        handler.setFormatter(ReaderFormatter(locale))
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(ContextFilter(secrets))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # aiohttp's access log repeats what the request middleware logs.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
