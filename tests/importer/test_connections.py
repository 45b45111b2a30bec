"""What a new sign-in keeps of the connection it replaces."""

from __future__ import annotations

from dataclasses import replace

import pytest

from importer.domain.connections import (
    ConnectionStatus,
    QboConnection,
    TokenSet,
    carried_over,
)

SET_UP = QboConnection(
    "acct",
    "123",
    "sandbox",
    TokenSet("old"),
    home_currency="USD",
    multicurrency=False,
    tax_setup="automated",
    income_account_id="79",
    settings_confirmed=True,
)
SIGNED_IN = QboConnection(
    "acct",
    "123",
    "sandbox",
    TokenSet("new"),
    home_currency="USD",
    multicurrency=False,
    tax_setup="automated",
)


@pytest.mark.parametrize("status", [ConnectionStatus.CONNECTED, ConnectionStatus.NEEDS_RECONNECT])
def test_a_reconnect_to_the_same_company_keeps_the_set_up(status: ConnectionStatus) -> None:
    kept = carried_over(replace(SET_UP, status=status), SIGNED_IN)

    assert kept.income_account_id == "79"
    assert kept.settings_confirmed
    assert kept.tokens == TokenSet("new")


@pytest.mark.parametrize(
    "change",
    [{"home_currency": "EUR"}, {"multicurrency": True}, {"tax_setup": "codes"}],
)
def test_changed_currency_or_taxes_are_confirmed_again(change: dict[str, object]) -> None:
    changed = replace(SIGNED_IN, **change)  # type: ignore[arg-type]  # each case names real fields
    kept = carried_over(SET_UP, changed)

    assert kept.income_account_id == "79"
    assert not kept.settings_confirmed


@pytest.mark.parametrize(
    "replaced",
    [None, replace(SET_UP, realm_id="456"), replace(SET_UP, status=ConnectionStatus.DISCONNECTED)],
)
def test_another_company_or_a_disconnected_one_is_set_up_afresh(
    replaced: QboConnection | None,
) -> None:
    fresh = carried_over(replaced, SIGNED_IN)

    assert fresh.income_account_id is None
    assert not fresh.settings_confirmed
