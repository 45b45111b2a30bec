"""The command line end to end: the seed's three rules as an operator sees them."""

from __future__ import annotations

import asyncio
from pathlib import Path

from qbo_simulator import Simulator, SimulatorConfig, parse_faults

from importer.domain.model import Kind, Skipped, SkipReason
from qbo.source import page_start
from storage.sqlite import SqliteStore
from tests.cli.conftest import Cli, cli_for, connected_account

NO_SKIPS = {
    "exists": 0,
    "deleted": 0,
    "duplicate": 0,
    "inactive": 0,
    "unsupported": 0,
    "invalid": 0,
    "already_imported": 0,
}


async def test_first_import_second_import_and_deletions(cli: Cli, simulator: Simulator) -> None:
    await connected_account(cli, simulator, "Acme Landscaping")

    first = await cli("import", "--account", "Acme Landscaping", "all", "--json")
    assert first.code == 0, first.err
    summary = first.json()
    assert summary["account"] == "Acme Landscaping"
    assert summary["clients"]["imported"] == 29
    assert summary["clients"]["skipped"] == NO_SKIPS
    assert summary["items"]["imported"] == 18
    assert summary["items"]["status"] == "succeeded"

    second = (await cli("import", "--account", "Acme Landscaping", "all", "--json")).json()
    assert second["clients"]["imported"] == 0
    assert second["clients"]["skipped"]["exists"] == 29
    assert second["items"]["imported"] == 0
    assert second["items"]["skipped"]["exists"] == 18

    deleted = await cli(
        "clients", "delete", "--account", "Acme Landscaping", "amy’s bird SANCTUARY"
    )
    assert deleted.code == 0, deleted.err
    assert "Amy's Bird Sanctuary" in deleted.out
    assert (await cli("items", "delete", "--account", "Acme Landscaping", "Rocks")).code == 0

    simulator.company.add_customer("Jeff’s   JALOPIES")  # Jeff's Jalopies, spelled another way
    simulator.company.add_customer("Zoe's Zinnias")
    third = (await cli("import", "--account", "Acme Landscaping", "all", "--json")).json()
    assert third["clients"]["imported"] == 1
    assert third["clients"]["skipped"]["deleted"] == 1
    assert third["clients"]["skipped"]["duplicate"] == 1
    assert third["clients"]["skipped"]["exists"] == 28
    assert third["items"]["imported"] == 0
    assert third["items"]["skipped"]["deleted"] == 1

    listed = (await cli("clients", "list", "--account", "Acme Landscaping", "--json")).json()
    assert listed["total"] == 29
    names = [c["name"] for c in listed["clients"]]
    assert "Amy's Bird Sanctuary" not in names
    assert "Zoe's Zinnias" in names
    assert names.count("Jeff's Jalopies") == 1
    assert len(names) == 29
    items = (
        await cli("items", "list", "--account", "Acme Landscaping", "--search", "rock", "--json")
    ).json()["items"]
    assert [i["name"] for i in items] == ["Rock Fountain"]
    assert items[0]["unit_price"] == "275"


async def test_a_name_made_by_hand_is_not_imported_again(cli: Cli, simulator: Simulator) -> None:
    await connected_account(cli, simulator, "Acme")
    added = await cli("clients", "add", "--account", "Acme", "  COOL cars ")
    assert added.code == 0, added.err
    result = (await cli("import", "--account", "Acme", "clients", "--json")).json()
    assert result["clients"]["imported"] == 28
    assert result["clients"]["skipped"]["exists"] == 1


async def test_the_summary_reads_as_sentences(cli: Cli, simulator: Simulator) -> None:
    await connected_account(cli, simulator, "Acme")
    result = await cli("import", "--account", "Acme", "clients")
    assert result.code == 0, result.err
    assert result.out.strip() == "Clients: 29 imported"
    again = await cli("import", "--account", "Acme", "clientes")
    assert again.out.strip() == "Clients: 0 imported; 29 skipped: the name already exists"


async def test_a_client_renamed_in_quickbooks_is_not_imported_again(
    cli: Cli, simulator: Simulator
) -> None:
    await connected_account(cli, simulator, "Acme")
    assert (await cli("import", "--account", "Acme", "clients")).out.strip() == (
        "Clients: 29 imported"
    )
    simulator.company.rename("Customer", "1", "Amy Bird Sanctuary (renamed)")

    second = await cli("import", "--account", "Acme", "clients")
    third = await cli("import", "--account", "Acme", "clients", "--json")
    cli.env["LANG"] = "es_ES.UTF-8"
    fourth = await cli("import", "--account", "Acme", "clients")

    assert second.code == 0, second.err
    assert second.out.strip() == (
        "Clients: 0 imported; 28 skipped: the name already exists; "
        "1 skipped: already imported under another name"
    )
    assert third.json()["clients"]["skipped"] == {**NO_SKIPS, "exists": 28, "already_imported": 1}
    assert fourth.out.strip() == (
        "Clientes: 0 importados; 28 omitidos: el nombre ya existe; "
        "1 omitido: ya importado con otro nombre"
    )
    page = (await cli("clients", "list", "--account", "Acme", "--json", "--limit", "100")).json()
    listed = page["clients"]
    assert len(listed) == page["total"] == 29
    assert [c["name"] for c in listed if c["qbo_id"] == "1"] == ["Amy's Bird Sanctuary"]
    store = SqliteStore(cli.database)
    account = await store.find_account("Acme")
    assert account is not None
    latest = (await store.list_runs(account.id, Kind.CLIENTS, limit=1))[0]
    skipped = await store.skipped_entries(latest.id, limit=100)
    await store.close()
    assert [s for s in skipped if s.reason is SkipReason.ALREADY_IMPORTED] == [
        Skipped(
            "1",
            "Amy Bird Sanctuary (renamed)",
            SkipReason.ALREADY_IMPORTED,
            existing_name="Amy's Bird Sanctuary",
        )
    ]


async def test_names_typed_by_hand_are_stored_without_escapes(cli: Cli) -> None:
    await cli("accounts", "create", "Acme")
    added = await cli("clients", "add", "--account", "Acme", "\x1b[31mRed\u202e Rock\x1b[0m")
    invisible = await cli("clients", "add", "--account", "Acme", "\u200b\u2060\x1b")
    listed = await cli("clients", "list", "--account", "Acme")

    assert added.code == 0, added.err
    assert "\x1b" not in added.out
    assert invisible.code != 0
    assert "cannot be empty" in invisible.err
    assert "[31mRed Rock[0m" in listed.out
    assert "\x1b" not in listed.out
    assert "\u202e" not in listed.out


async def test_spanish_terminal_gets_spanish(cli: Cli, simulator: Simulator) -> None:
    await connected_account(cli, simulator, "Acme")
    cli.env["LANG"] = "es_ES.UTF-8"
    result = await cli("import", "--account", "Acme", "conceptos")
    assert result.out.strip() == "Conceptos: 18 importados"


async def wait_for_pages(database: Path, account: str, pages: int) -> None:
    """Poll the run's checkpoints (as an operator would) until `pages` pages are written."""
    store = SqliteStore(database)
    try:
        for _ in range(1200):  # at most about a minute
            found = await store.find_account(account)
            runs = await store.list_runs(found.id) if found else []
            if runs and runs[0].pages >= pages:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"the import never reached page {pages}")
    finally:
        await store.close()


async def test_an_import_killed_after_page_k_resumes_with_exact_records_and_counts(
    tmp_path: Path,
) -> None:
    config = SimulatorConfig(customers=4321)  # 5 pages of up to 1,000
    async with Simulator.start(config, host="127.0.0.1", port=0) as sim:
        cli = cli_for(sim, tmp_path)
        await connected_account(cli, sim, "Killed")
        await connected_account(cli, sim, "Uninterrupted")

        for fault in parse_faults(f"hang@start={page_start(4)}"):
            sim.inject(fault)  # page 4 never answers: the import is stuck after page 3
        process = await cli.start("import", "--account", "Killed", "clients", "--json")
        await wait_for_pages(cli.database, "Killed", 3)
        process.kill()  # SIGKILL: no cleanup runs
        await process.wait()
        sim.clear_faults()

        store = SqliteStore(cli.database)
        killed = await store.find_account("Killed")
        assert killed is not None
        [stuck] = await store.list_runs(killed.id)
        assert stuck.status.value == "running"
        assert stuck.pages == 3
        await store.close()

        resumed = await cli("import", "--account", "Killed", "clients", "--json")
        reference = await cli("import", "--account", "Uninterrupted", "clients", "--json")
        assert resumed.code == 0, resumed.err
        after, whole = resumed.json()["clients"], reference.json()["clients"]
        assert after["resumed"] is True
        assert after["run_id"] == stuck.id
        for field in ("status", "imported", "skipped", "failed", "total"):
            assert after[field] == whole[field]
        assert after["imported"] > 4000

        store = SqliteStore(cli.database)
        uninterrupted = await store.find_account("Uninterrupted")
        assert uninterrupted is not None

        async def names(account_id: str) -> list[tuple[str, str | None]]:
            records = await store.list_records(account_id, Kind.CLIENTS, limit=10_000)
            return [(r.name, r.qbo_id) for r in records]

        assert await names(killed.id) == await names(uninterrupted.id)
        assert await store.skipped_entries(stuck.id, limit=10_000) == await store.skipped_entries(
            (await store.list_runs(uninterrupted.id))[0].id, limit=10_000
        )
        await store.close()
