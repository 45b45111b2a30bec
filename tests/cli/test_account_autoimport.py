"""`accounts autoimport` speaks of its arguments by what a person types, `accounts list` shows
whether auto-import is on, and the key file made on first use is announced in the reader's
language."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Cli, cli_env

SPANISH = "es_ES.UTF-8"


def offline(tmp_path: Path, **env: str) -> Cli:
    database = tmp_path / "auto.sqlite3"
    return Cli({**cli_env(f"sqlite:///{database}"), **env}, tmp_path, database)


async def test_a_wrong_state_is_named_as_typed_in_spanish(tmp_path: Path) -> None:
    cli = offline(tmp_path, LANG=SPANISH)
    await cli("accounts", "create", "Acme")

    wrong = await cli("accounts", "autoimport", "Acme", "quizas")
    helped = await cli("accounts", "autoimport", "--help")

    assert wrong.code == 2
    assert wrong.err.splitlines()[-1] == (
        "invoice2go accounts autoimport: error: argumento on|off: opción no válida: 'quizas' "
        "(elige entre 'on', 'off')"
    )
    assert "state" not in wrong.err
    assert "nombre de la cuenta" in helped.out
    assert "on: importar lo que QuickBooks anuncia" in " ".join(helped.out.split())


async def test_the_list_shows_whether_auto_import_is_on(tmp_path: Path) -> None:
    cli = offline(tmp_path)
    await cli("accounts", "create", "Acme")
    await cli("accounts", "create", "Bolt")
    assert (await cli("accounts", "autoimport", "Acme", "on")).code == 0

    rows = [line.split("\t") for line in (await cli("accounts", "list")).out.splitlines()]
    listed = (await cli("accounts", "list", "--json")).json()
    spanish = (await offline(tmp_path, LANG=SPANISH)("accounts", "list")).out.splitlines()

    assert [(row[0], row[-1]) for row in rows] == [
        ("Acme", "auto-import on"),
        ("Bolt", "auto-import off"),
    ]
    assert [(a["name"], a["auto_import"]) for a in listed] == [("Acme", True), ("Bolt", False)]
    assert [line.split("\t")[-1] for line in spanish] == [
        "importación automática activada",
        "importación automática desactivada",
    ]


async def test_the_key_file_made_on_first_use_is_announced_in_spanish(tmp_path: Path) -> None:
    cli = offline(
        tmp_path,
        LANG=SPANISH,
        QBO_CLIENT_ID="client",
        QBO_CLIENT_SECRET="secret-of-the-app",
        QBO_REDIRECT_URI="http://127.0.0.1:9/quickbooks/callback",
    )
    await cli("accounts", "create", "Acme")

    first = await cli("connect", "--account", "Acme")
    second = await cli("connect", "--account", "Acme")

    assert first.code == 0, first.err
    key_file = tmp_path / "token-encryption.key"
    assert key_file.exists()
    assert first.err == (
        f"invoice2go: TOKEN_ENCRYPTION_KEY no está definida: se generó una clave en {key_file}; "
        "guarda ese archivo con la base de datos y define TOKEN_ENCRYPTION_KEY antes de pasar "
        "a producción\n"
    )
    assert second.err == ""  # said once, when the file is made
