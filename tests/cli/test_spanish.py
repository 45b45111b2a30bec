"""With LANG=es_ES.UTF-8 the command line speaks Spanish throughout (issue 12, item 9).

"No English" is checked two ways: no phrase of two words or more from any English message of
the catalogue (unless its Spanish translation has it too), and none of a list of common English
words outside data: the names the demo quotes (“Amy's Bird Sanctuary”) and QuickBooks' company
name, which the app's own messages show as it is.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from qbo_simulator.seed import company_info

from tests.cli.conftest import Cli, assert_in_order, cli_env
from tests.test_i18n import ROOT, messages

SPANISH = {"LANG": "es_ES.UTF-8"}
# Lowercase English words that no Spanish sentence of ours uses (matched as whole words).
_ENGLISH = (
    "the and of with to from for by on in is are was not what how new again already "
    "imported skipped deleted created started connected account accounts clients items "
    "company customers customer item client import delete meanwhile name exists show help "
    "usage options arguments default stopped failed"
)
ENGLISH_WORDS = frozenset(_ENGLISH.split())
# Command words and values a person types stay as they are in every language.
_COMMANDS = (
    "accounts account clients items import list add delete create connect migrate demo "
    "search limit offset json plan currency email price realm refresh token port host faults "
    "latency ms all what names help"
)
COMMAND_WORDS = frozenset(_COMMANDS.split())
PLACEHOLDERS = re.compile(r"\{[^}]*\}|%\(\w+\)[a-z]|%[a-z]")
# The simulated QuickBooks company's name: data, shown as QuickBooks has it.
COMPANY = str(company_info("0")["CompanyName"])


@cache
def english_phrases() -> frozenset[str]:
    """Return every phrase of two words or more of the English messages."""
    path = ROOT / "i18n" / "locales" / "es" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="es")
    phrases: set[str] = set()
    for msgid, forms in messages().items():
        entry = catalog.get(msgid)
        string = entry.string if entry is not None else ""
        spanish = " ".join([string] if isinstance(string, str) else list(string or ()))
        for form in forms:
            for part in PLACEHOLDERS.split(form):
                phrase = part.strip(" .,;:!?()'\"—–-…\n")
                if len(phrase.split()) >= 2 and phrase not in spanish:
                    phrases.add(phrase)
    return frozenset(phrases)


def english_in(text: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """Return the English found in text, leaving out data the demo quotes “like this”."""
    text = text.replace(COMPANY, " ")
    found = [phrase for phrase in english_phrases() if phrase in text]
    bare = re.sub(r"“[^”]*”|'[^']*'|--[a-z-]+|\b[A-Z_]{2,}\b", " ", text)
    words = re.findall(r"[A-Za-z]+", bare)
    return found + [w for w in words if w.lower() in ENGLISH_WORDS - allowed]


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    database = tmp_path / "es.sqlite3"
    return Cli(cli_env(f"sqlite:///{database}", SPANISH), tmp_path, database)


@pytest.mark.parametrize(
    ("env", "args"),
    [(SPANISH, ()), ({"LANG": "C.UTF-8"}, ("--lang", "es"))],
    ids=["LANG", "--lang"],
)
async def test_the_demo_in_spanish_has_no_english(
    cli: Cli, env: dict[str, str], args: tuple[str, ...]
) -> None:
    cli.env.update(env)
    result = await cli("demo", *args)
    assert result.code == 0, result.err
    out = result.out
    assert_in_order(
        out,
        "Ada añade invoice2go al espacio de trabajo de Slack “Demo Landscaping”",
        "Ada escribe /invoice2go conectar",
        "Paso 1 de 4",
        f"Demo Landscaping ya está conectada a la empresa de QuickBooks {COMPANY}.",
        "Mientras tanto, la ventana de Slack ha avanzado sola:",
        "Paso 2 de 4",
        "Paso 4 de 4",
        "Clientes: 29 importados",
        "Conceptos: 18 importados",
        "Ada escribe /invoice2go clientes amy",
        "Amy's Bird Sanctuary eliminado.",
        "Ada escribe /invoice2go importar todo",
        "Clientes: 1 importado; 28 omitidos: el nombre ya existe; "
        "1 omitido: se eliminó aquí antes; 1 omitido: nombre duplicado en QuickBooks",
        "Conceptos: 1 importado; 18 omitidos: el nombre ya existe",
        "escribe /invoice2go importar clientes",
        "La importación falló",
        "invoice2go escribe a Ada, con permisos de administración",
        "[Reconectar]",
        "Un administrador debe volver a conectar QuickBooks: /invoice2go conectar",
        "En total, 1 mensaje pidió reconectar, a Ada",
    )
    assert out.count("[Reconectar]") == 1
    assert english_in(out) == []
    assert result.err == ""


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["import"],
        ["accounts"],
        ["accounts", "create"],
        ["clients", "list"],
        ["items"],
        ["items", "add"],
        ["connect"],
        ["qbo-simulator"],
        ["demo"],
    ],
)
async def test_help_is_in_spanish(cli: Cli, command: list[str]) -> None:
    result = await cli(*command, "--help")
    assert result.code == 0, result.err
    assert result.out.startswith("uso: invoice2go")
    assert english_in(result.out, COMMAND_WORDS) == []


async def test_errors_are_in_spanish(cli: Cli) -> None:
    bad = await cli("import", "--account", "Acme", "invoices")
    assert bad.code == 2
    assert "error: argumento" in bad.err
    assert english_in(bad.err, COMMAND_WORDS) == []

    missing = await cli("clients", "list")
    assert "se necesitan estos argumentos: --account" in missing.err

    cancel = await cli("import", "cancel", "--account", "Acme", "facturas")
    assert cancel.code == 2
    assert cancel.err.startswith("uso: invoice2go import [-h] --account NOMBRE")
    assert "clients o items (también clientes, conceptos)" in cancel.err


async def test_import_help_names_the_spanish_words_it_also_takes(cli: Cli) -> None:
    result = await cli("import", "--help")
    assert "qué importar (también clientes, conceptos, todo), o cancel" in " ".join(
        result.out.split()
    )

    await cli("accounts", "create", "Acme")
    nobody = await cli("clients", "delete", "--account", "Acme", "Nadie")
    assert nobody.err == "No hay ningún cliente con nombre o id 'Nadie' en Acme.\n"

    no_account = await cli("import", "--account", "Nadie", "todo")
    assert no_account.code == 1
    assert english_in(no_account.err, COMMAND_WORDS) == []
    assert "invoice2go accounts create 'Nadie'" in no_account.err


@pytest.mark.parametrize(
    "env",
    [
        {"LOG_LEVEL": "verbose"},
        {"QBO_ENABLED_PLANS": "gold"},
        {"DATABASE_URL": "postgres://db/x"},
        {"TOKEN_ENCRYPTION_KEY": "nope"},
    ],
)
async def test_configuration_errors_are_in_spanish(cli: Cli, env: dict[str, str]) -> None:
    cli.env.update(env)
    result = await cli("accounts", "list")
    assert result.code == 2
    assert result.err.startswith("invoice2go: configuración no válida: ")
    assert english_in(result.err) == []


async def test_a_spanish_list_says_how_many_more_in_spanish(cli: Cli) -> None:
    await cli("accounts", "create", "Acme")
    for name in ("Uno", "Dos", "Tres"):
        await cli("clients", "add", "--account", "Acme", name)
    result = await cli("clients", "list", "--account", "Acme", "--limit", "2")
    assert result.out.splitlines() == ["Dos", "Tres"]
    assert "se muestran 2 de 3 clientes" in result.err
    assert english_in(result.err, COMMAND_WORDS) == []
    empty = await cli("items", "list", "--account", "Acme", "--search", "x")
    assert (empty.out, empty.err) == ("", "Ningún concepto coincide con 'x'.\n")
    beyond = await cli("clients", "list", "--account", "Acme", "--offset", "5")
    assert (beyond.out, beyond.err) == ("", "Nada desde la posición 5; hay 3 clientes.\n")
