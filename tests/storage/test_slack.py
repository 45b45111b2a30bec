"""Contract: Slack workspaces (one account each) and installations, newest first."""

from __future__ import annotations

from importer.domain.workspaces import Workspace
from importer.ports.store import Store


async def test_a_workspace_owns_one_account_and_the_first_one_kept_wins(store: Store) -> None:
    first = await store.add_workspace(Workspace("T1", "acct-1", "Acme", None, "U1"))
    second = await store.add_workspace(Workspace("T1", "acct-2", "Acme again"))

    assert second == first
    assert await store.get_workspace("T1") == first
    assert await store.workspace_of_account("acct-1") == first
    assert await store.get_workspace("T2") is None
    assert await store.workspace_of_account("acct-2") is None


async def test_installations_are_found_newest_first_per_workspace_and_user(store: Store) -> None:
    await store.save_slack_installation("-:T1", "U1", 100.0, {"bot_token": "enc-1", "n": 1})
    await store.save_slack_installation("-:T1", "U2", 200.0, {"bot_token": "enc-2", "n": 2})
    await store.save_slack_installation("-:T2", "U9", 300.0, {"bot_token": "enc-9", "n": 9})

    newest = await store.find_slack_installation("-:T1")
    of_u1 = await store.find_slack_installation("-:T1", "U1")

    assert newest is not None
    assert newest["n"] == 2
    assert of_u1 is not None
    assert of_u1["n"] == 1
    assert await store.find_slack_installation("-:T3") is None

    await store.delete_slack_installations("-:T1", "U2")
    after = await store.find_slack_installation("-:T1")
    assert after is not None
    assert after["n"] == 1
    await store.delete_slack_installations("-:T1")
    assert await store.find_slack_installation("-:T1") is None
    assert await store.find_slack_installation("-:T2") is not None
