"""The command line end to end: the seed's three rules as an operator sees them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from qbo_simulator import Simulator, SimulatorConfig, parse_faults

from importer.domain.model import Kind, Skipped, SkipReason
from importer.domain.runs import ImportRun
from importer.ports.clock import utcnow
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
    "invalid_price": 0,
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


async def test_an_item_skipped_for_its_price_is_said_so_not_called_a_bad_name(
    cli: Cli, simulator: Simulator
) -> None:
    await connected_account(cli, simulator, "Acme")
    simulator.company.add_item("Gold Plated Rake", UnitPrice=Decimal("1e300"))
    simulator.company.add_item("Platinum Hoe", UnitPrice=Decimal("1e300"))
    simulator.company.add_item("", UnitPrice=Decimal("5"))

    result = await cli("import", "--account", "Acme", "items")
    cli.env["LANG"] = "es_ES.UTF-8"
    spanish = await cli("import", "--account", "Acme", "items", "--json")

    assert result.code == 0, result.err
    assert result.out.strip() == (
        "Items: 18 imported; 1 skipped: empty, too long or unusable name; "
        "2 skipped: price not a number, too large or too precise"
    )
    assert spanish.json()["items"]["skipped"]["invalid_price"] == 2
    assert spanish.json()["items"]["skipped"]["invalid"] == 1


async def test_a_new_customer_with_a_renamed_customers_old_name_finds_it_existing(
    cli: Cli, simulator: Simulator
) -> None:
    await connected_account(cli, simulator, "Acme")
    assert (await cli("import", "--account", "Acme", "clients")).code == 0
    simulator.company.rename("Customer", "1", "Amy Bird Sanctuary (renamed)")
    simulator.company.add_customer("Amy's Bird Sanctuary")

    again = await cli("import", "--account", "Acme", "clients")

    assert again.code == 0, again.err
    assert again.out.strip() == (
        "Clients: 0 imported; 29 skipped: the name already exists; "
        "1 skipped: already imported under another name"
    )


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


async def run_of(store: SqliteStore, account: str) -> ImportRun | None:
    found = await store.find_account(account)
    runs = await store.list_runs(found.id) if found else []
    return runs[0] if runs else None


async def wait_until(
    database: Path, account: str, done: Callable[[ImportRun], bool], what: str
) -> ImportRun:
    """Poll the account's latest run (as an operator would) until done says so."""
    store = SqliteStore(database)
    try:
        for _ in range(1200):  # at most about a minute
            run = await run_of(store, account)
            if run is not None and done(run):
                return run
            await asyncio.sleep(0.05)
        raise AssertionError(f"the import never {what}")
    finally:
        await store.close()


async def wait_for_pages(database: Path, account: str, pages: int) -> ImportRun:
    """Poll the run's checkpoints until `pages` pages are written."""
    return await wait_until(database, account, lambda r: r.pages >= pages, f"reached {pages}")


class TokenGate:
    """Intuit's token endpoint as the command line reaches it: passed through to the simulator,
    or held (a refresh under way, never answered) once the test closes the gate."""

    def __init__(self, sim: Simulator) -> None:
        self._sim = sim
        self._opened = asyncio.Event()
        self._opened.set()
        self.held = asyncio.Event()
        self.url = ""

    def close(self) -> None:
        self._opened.clear()

    def open(self) -> None:
        """Pass requests through again; one held is answered 503 (its asker is gone)."""
        self._opened.set()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        if not self._opened.is_set():
            self.held.set()
            await self._opened.wait()  # the process asking is killed meanwhile
            return web.Response(status=503)
        headers = {
            k: v for k, v in request.headers.items() if k in ("Authorization", "Content-Type")
        }
        async with (
            aiohttp.ClientSession() as session,
            session.post(self._sim.token_url, data=body, headers=headers) as answer,
        ):
            return web.Response(
                status=answer.status,
                body=await answer.read(),
                content_type=answer.content_type,
            )


@asynccontextmanager
async def token_gate(sim: Simulator) -> AsyncIterator[TokenGate]:
    gate = TokenGate(sim)
    app = web.Application()
    app.router.add_post("/token", gate.handle)
    runner = web.AppRunner(app, shutdown_timeout=0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    gate.url = f"http://127.0.0.1:{port}/token"
    try:
        yield gate
    finally:
        gate.open()
        await runner.cleanup()


async def let_the_refresh_claim_run_out(database: Path, account: str) -> None:
    """The killed process held a claim on refreshing the account's tokens: its claim runs out
    (as minutes passing would), its refresh token untouched."""
    store = SqliteStore(database)
    found = await store.find_account(account)
    assert found is not None
    connection = await store.get_connection(found.id)
    assert connection is not None
    claim = connection.tokens
    assert claim.access_token is None  # a refresh was under way when the process died
    ran_out = replace(claim, access_token_expires_at=utcnow() - timedelta(seconds=1))
    assert await store.swap_tokens(found.id, connection.token_version, ran_out)
    await store.close()


LEASE_SECONDS = 5


@pytest.mark.parametrize("trial", ["stuck", "throttled", "refreshing"])
async def test_an_import_killed_after_page_k_resumes_with_exact_records_and_counts(
    tmp_path: Path, trial: str
) -> None:
    config = SimulatorConfig(customers=4321)  # 5 pages of up to 1,000
    async with (
        Simulator.start(config, host="127.0.0.1", port=0) as sim,
        token_gate(sim) as gate,
    ):
        cli = cli_for(sim, tmp_path)
        cli.env.update(IMPORT_LEASE_SECONDS=str(LEASE_SECONDS), QBO_TOKEN_URL=gate.url)
        await connected_account(cli, sim, "Killed")
        await connected_account(cli, sim, "Uninterrupted")

        # Page 4 never comes: it hangs; or QBO throttles it for longer than the lease; or every
        # access token expires just before it, and the refresh at Intuit never answers.
        fault = {
            "stuck": f"hang@start={page_start(4)}",
            "throttled": f"throttle@start={page_start(4)}~retry-after=60",
            "refreshing": f"expire@start={page_start(4)}",
        }[trial]
        for one in parse_faults(fault):
            sim.inject(one)
        if trial == "refreshing":
            gate.close()
        process = await cli.start("import", "--account", "Killed", "clients", "--json")
        if trial == "refreshing":
            # Pages are read side by side: the page that meets the expired token may go out
            # before earlier ones are answered, so the run stops wherever the refresh held it.
            await asyncio.wait_for(gate.held.wait(), timeout=60)
        else:
            at_page_3 = await wait_for_pages(cli.database, "Killed", 3)
        if trial == "throttled":
            # Waiting out the throttle, the worker's heartbeat keeps the run past its lease.
            kept = at_page_3.lease_expires_at + timedelta(seconds=LEASE_SECONDS)
            await wait_until(
                cli.database, "Killed", lambda r: r.lease_expires_at >= kept, "renewed its lease"
            )
        process.kill()  # SIGKILL: no cleanup runs
        await process.wait()
        sim.clear_faults()
        gate.open()
        if trial == "refreshing":
            await let_the_refresh_claim_run_out(cli.database, "Killed")

        store = SqliteStore(cli.database)
        killed = await store.find_account("Killed")
        assert killed is not None
        [stuck] = await store.list_runs(killed.id)
        assert stuck.status.value == "running"
        assert stuck.pages == 3 or (trial == "refreshing" and stuck.pages < 5)
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


@pytest.mark.parametrize(
    ("locale", "notice"),
    [
        ("en", "Waiting for another import from this QuickBooks company to finish."),
        ("es", "Esperando a que termine otra importación de esta empresa de QuickBooks."),
    ],
)
async def test_a_wait_for_another_import_of_the_company_is_told_once(
    capsys: pytest.CaptureFixture[str], locale: str, notice: str
) -> None:
    from importer.domain.model import Counts
    from importer.services.engine import Progress
    from invoice2go.cli.progress import progress_display

    def progress(kind: Kind, waiting: bool) -> Progress:
        return Progress("r", kind, Counts(), None, 0, False, waiting_for_company=waiting)

    async with progress_display(False, locale) as listen:  # piped: told on standard error
        await listen(progress(Kind.CLIENTS, True))
        await listen(progress(Kind.ITEMS, True))  # `import all`: both kinds wait together
        await listen(progress(Kind.CLIENTS, False))
        await listen(progress(Kind.ITEMS, False))

    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", f"{notice}\n")
