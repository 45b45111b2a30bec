"""Every message the product shows exists in every catalogue, with the same placeholders."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from i18n import LOCALES, format_number, gettext, ngettext, pick_locale

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "i18n", "importer", "invoice2go", "qbo", "storage")
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"\{(\w+)")


def messages() -> dict[str, tuple[str, ...]]:
    """Return every message of the product's code: msgid -> its forms (one, or two for plurals)."""
    found: dict[str, tuple[str, ...]] = {}
    for package in PACKAGES:
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, keywords=KEYWORDS, comment_tags=()
        ):
            forms = (message,) if isinstance(message, str) else tuple(message)
            found[forms[0]] = forms
    return found


@pytest.mark.parametrize("locale", [locale for locale in LOCALES if locale != "en"])
def test_every_message_is_translated_with_the_same_placeholders(locale: str) -> None:
    path = ROOT / "i18n" / "locales" / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    missing: list[str] = []
    wrong: list[str] = []
    for msgid, forms in messages().items():
        entry = catalog.get(msgid)
        string = None if entry is None else entry.string
        translations = (string,) if isinstance(string, str) else tuple(string or ())
        if not translations or not all(translations):
            missing.append(msgid)
            continue
        expected = set(PLACEHOLDER.findall(" ".join(forms)))
        for text in translations:
            if not set(PLACEHOLDER.findall(text)) <= expected | {"n"}:
                wrong.append(msgid)
    assert not missing, f"untranslated in {locale}: {missing}"
    assert not wrong, f"placeholders differ in {locale}: {wrong}"


def test_plural_forms_and_numbers_follow_the_locale() -> None:
    one = ngettext("{n} client imported", "{n} clients imported", 1, "es")
    many = ngettext("{n} client imported", "{n} clients imported", 12345, "en")
    assert many == "12,345 clients imported"
    assert one in {"1 client imported", "1 cliente importado"}
    assert format_number(12345, "es") == "12.345"
    assert gettext("no such message {x}", "es", x=3) == "no such message 3"


@pytest.mark.parametrize(
    ("value", "locale"),
    [
        ("es_ES.UTF-8", "es"),
        ("es-MX", "es"),
        ("fr-FR, es;q=0.8", "es"),
        ("en-GB,en;q=0.9", "en"),
        ("C.UTF-8", "en"),
        (None, "en"),
        ("", "en"),
    ],
)
def test_a_locale_is_picked_from_lang_slack_or_accept_language(
    value: str | None, locale: str
) -> None:
    assert pick_locale(value) == locale


def test_a_new_catalogue_folder_is_a_new_language(tmp_path: Path) -> None:
    """A copy of the i18n package with one more catalogue speaks that language too: no code
    names the languages (read in a fresh interpreter, as a deployment starts)."""
    copy = tmp_path / "i18n"
    shutil.copytree(ROOT / "i18n", copy, ignore=shutil.ignore_patterns("__pycache__"))
    spanish = copy / "locales" / "es" / "LC_MESSAGES" / "messages.po"
    with spanish.open("rb") as handle:
        catalog = read_po(handle, locale="es")
    catalog.locale = Locale.parse("pt")
    for message in catalog:
        if message.id == "Import finished":
            message.string = "Importação concluída"
    folder = copy / "locales" / "pt" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.po").open("wb") as handle:
        write_po(handle, catalog)
    probe = (
        "import i18n; print(i18n.__file__); print(i18n.LOCALES); "
        "print(i18n.pick_locale('pt-BR')); print(i18n.gettext('Import finished', 'pt'))"
    )

    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    )

    assert done.stdout.splitlines() == [
        str(copy / "__init__.py"),
        "('en', 'es', 'pt')",
        "pt",
        "Importação concluída",
    ]
    assert LOCALES == ("en", "es")  # this checkout's catalogues
