"""Creating and updating customers and items, with QBO's validation."""

from __future__ import annotations

from typing import Any

from qbo_simulator import Simulator
from qbo_simulator.testing import Api


def error(body: dict[str, Any]) -> tuple[str, str]:
    first = body["Fault"]["Error"][0]
    return first["code"], first["Message"]


async def test_create_customer_assigns_id_synctoken_and_metadata(api: Api) -> None:
    status, body = await api.post("customer", {"DisplayName": "Zoë’s Zinnias"})
    customer = body["Customer"]
    assert status == 200
    assert (customer["Id"], customer["SyncToken"], customer["Active"]) == ("30", "0", True)
    assert customer["MetaData"]["CreateTime"] == customer["MetaData"]["LastUpdatedTime"]
    assert "ParentRef" not in customer


async def test_duplicate_display_name_is_6240_case_insensitively(api: Api) -> None:
    status, body = await api.post("customer", {"DisplayName": "amy's bird sanctuary"})
    assert status == 400
    assert error(body) == ("6240", "Duplicate Name Exists Error")
    assert "Another customer, vendor or employee" in body["Fault"]["Error"][0]["Detail"]


async def test_colon_in_a_name_is_refused(api: Api) -> None:
    status, body = await api.post("customer", {"DisplayName": "Parent:Child"})
    item_status, _ = await api.post(
        "item", {"Name": "A:B", "Type": "Service", "IncomeAccountRef": {"value": "1"}}
    )
    assert (status, item_status) == (400, 400)
    assert body["Fault"]["type"] == "ValidationFault"


async def test_stale_synctoken_is_5010_and_fresh_one_bumps(api: Api) -> None:
    _, current = await api.get("customer/2")
    stale, stale_body = await api.post(
        "customer", {"Id": "2", "SyncToken": "7", "sparse": True, "Notes": "x"}
    )
    sparse = {"Id": "2", "SyncToken": current["Customer"]["SyncToken"], "sparse": True}
    ok, updated = await api.post("customer", {**sparse, "Notes": "windsurf"})
    assert (stale, error(stale_body)) == (400, ("5010", "Stale Object Error"))
    assert ok == 200
    assert updated["Customer"]["SyncToken"] == "1"
    assert updated["Customer"]["Notes"] == "windsurf"
    assert updated["Customer"]["DisplayName"] == "Bill's Windsurf Shop"


async def test_full_update_clears_omitted_fields_and_deactivation_hides(api: Api) -> None:
    _, current = await api.get("customer/4")
    body = {"Id": "4", "SyncToken": "0", "DisplayName": "Diego Rodriguez", "Active": False}
    status, updated = await api.post("customer", body)
    _, count = await api.query("SELECT COUNT(*) FROM Customer")
    assert "PrimaryEmailAddr" in current["Customer"]
    assert status == 200
    assert "PrimaryEmailAddr" not in updated["Customer"]
    assert updated["Customer"]["Active"] is False
    assert count["QueryResponse"]["totalCount"] == 28


async def test_item_create_needs_income_account_and_unique_name(api: Api) -> None:
    missing, missing_body = await api.post("item", {"Name": "Mulch", "Type": "Service"})
    duplicate, duplicate_body = await api.post(
        "item", {"Name": "PUMP", "Type": "Service", "IncomeAccountRef": {"value": "1"}}
    )
    ok, created = await api.post(
        "item",
        {
            "Name": "Mulch",
            "Type": "Service",
            "UnitPrice": 12.5,
            "IncomeAccountRef": {"value": "45"},
        },
    )
    assert (missing, error(missing_body)[0]) == (400, "2020")
    assert (duplicate, error(duplicate_body)[0]) == (400, "6240")
    assert ok == 200
    assert created["Item"]["IncomeAccountRef"] == {"value": "45", "name": "Landscaping Services"}
    assert created["Item"]["UnitPrice"] == 12.5


async def test_customers_cannot_be_deleted_and_unknown_ids_are_610(api: Api) -> None:
    deleted, _ = await api.post("customer", {"Id": "1", "SyncToken": "0"}, {"operation": "delete"})
    missing, body = await api.get("customer/9999")
    assert deleted == 400
    assert (missing, error(body)[0]) == (400, "610")


async def test_company_info_preferences_accounts_and_tax_codes(
    api: Api, qbo_simulator: Simulator
) -> None:
    _, info = await api.get(f"companyinfo/{qbo_simulator.realm_id}")
    _, prefs = await api.get("preferences")
    _, income = await api.query("SELECT * FROM Account WHERE AccountType = 'Income'")
    _, codes = await api.query("SELECT * FROM TaxCode")
    assert (info["CompanyInfo"]["CompanyName"], info["CompanyInfo"]["Country"]) == (
        "Sandbox Company_US_1",
        "US",
    )
    assert prefs["Preferences"]["CurrencyPrefs"]["HomeCurrency"] == {"value": "USD"}
    assert prefs["Preferences"]["CurrencyPrefs"]["MultiCurrencyEnabled"] is False
    assert prefs["Preferences"]["TaxPrefs"]["PartnerTaxEnabled"] is True
    assert {"1", "45", "79"} <= {a["Id"] for a in income["QueryResponse"]["Account"]}
    assert {a["Classification"] for a in income["QueryResponse"]["Account"]} == {"Revenue"}
    assert codes["QueryResponse"]["TaxCode"][0]["Name"] == "California"
