"""The query language as a QBO client sees it over HTTP: grammar, escapes, paging, envelopes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from qbo_simulator import Simulator
from qbo_simulator.query import QueryParseError, QueryValidationError, parse_query
from qbo_simulator.testing import Api


def names(body: dict[str, Any], entity: str = "Customer") -> list[str]:
    rows = body["QueryResponse"].get(entity, [])
    return [row.get("DisplayName") or row["Name"] for row in rows]


async def test_default_page_is_100_rows_in_id_order_with_envelope(api: Api) -> None:
    status, body = await api.query("SELECT * FROM Customer")
    assert status == 200
    response = body["QueryResponse"]
    assert response["startPosition"] == 1
    assert response["maxResults"] == 29
    assert [row["Id"] for row in response["Customer"]] == [str(i) for i in range(1, 30)]
    assert isinstance(body["time"], str)


async def test_empty_result_is_an_empty_query_response(api: Api) -> None:
    status, body = await api.query("SELECT * FROM Customer STARTPOSITION 30")
    assert status == 200
    assert body["QueryResponse"] == {}


async def test_escaped_apostrophe_finds_amys_bird_sanctuary(api: Api) -> None:
    _, body = await api.query("SELECT * FROM Customer WHERE DisplayName = 'Amy\\'s Bird Sanctuary'")
    (amy,) = body["QueryResponse"]["Customer"]
    assert amy["Id"] == "1"
    assert amy["PrimaryEmailAddr"] == {"Address": "Birds@Intuit.com"}
    assert amy["BillAddr"]["City"] == "Bayshore"


async def test_curly_apostrophe_and_backslash_literals_match_verbatim(
    api: Api, qbo_simulator: Simulator
) -> None:
    qbo_simulator.company.add_customer("Rosa’s Tacos")
    qbo_simulator.company.add_customer("Back\\Slash Ltd")
    _, curly = await api.query("SELECT * FROM Customer WHERE DisplayName = 'Rosa’s Tacos'")
    _, slash = await api.query("SELECT * FROM Customer WHERE DisplayName = 'Back\\\\Slash Ltd'")
    assert names(curly) == ["Rosa’s Tacos"]
    assert names(slash) == ["Back\\Slash Ltd"]


async def test_unescaped_apostrophe_is_a_parse_error(api: Api) -> None:
    status, body = await api.query("SELECT * FROM Customer WHERE DisplayName = 'Amy's Bird'")
    error = body["Fault"]["Error"][0]
    assert status == 400
    assert (error["code"], error["Message"]) == ("4000", "Error parsing query")
    assert error["Detail"].startswith(
        'QueryParserError: Encountered " <IDENTIFIER> "s "" at line 1'
    )


async def test_or_is_refused_with_code_4000(api: Api) -> None:
    status, body = await api.query("SELECT * FROM Customer WHERE Id = '1' OR Id = '2'")
    assert status == 400
    assert body["Fault"]["Error"][0]["code"] == "4000"
    assert "<OR>" in body["Fault"]["Error"][0]["Detail"]


async def test_maxresults_over_1000_is_a_query_validation_error(api: Api) -> None:
    status, body = await api.query("SELECT * FROM Customer MAXRESULTS 1001")
    assert status == 400
    assert body["Fault"]["Error"][0]["Detail"] == (
        "QueryValidationError: value 1001 is too large. Max allowed value is 1000"
    )


async def test_keywords_properties_and_values_are_case_insensitive(api: Api) -> None:
    _, body = await api.query("select * from customer where displayname = 'COOL CARS'")
    assert names(body) == ["Cool Cars"]


async def test_like_in_and_order_by_desc(api: Api) -> None:
    _, like = await api.query("SELECT * FROM Customer WHERE DisplayName LIKE '%s Ca%'")
    _, within = await api.query("SELECT * FROM Item WHERE Id IN ('5', '11') ORDERBY Name DESC")
    _, ordered = await api.query("SELECT * FROM Customer ORDER BY DisplayName DESC MAXRESULTS 2")
    assert names(like) == ["Pye's Cakes"]
    assert names(within, "Item") == ["Rock Fountain", "Pump"]
    assert names(ordered) == ["Weiskopf Consulting", "Wedding Planning by Whitney"]


async def test_count_and_paging_with_startposition(api: Api) -> None:
    _, count = await api.query("SELECT COUNT(*) FROM Customer WHERE Active IN (true, false)")
    _, page = await api.query("SELECT * FROM Customer STARTPOSITION 11 MAXRESULTS 5", post=True)
    assert count == {"QueryResponse": {"totalCount": 29}, "time": count["time"]}
    assert [row["Id"] for row in page["QueryResponse"]["Customer"]] == [
        "11",
        "12",
        "13",
        "14",
        "15",
    ]
    assert page["QueryResponse"]["startPosition"] == 11


async def test_inactive_rows_hidden_unless_the_query_mentions_active(
    api: Api, qbo_simulator: Simulator
) -> None:
    qbo_simulator.company.deactivate("Customer", "3")
    _, default = await api.query("SELECT COUNT(*) FROM Customer")
    _, inactive = await api.query("SELECT * FROM Customer WHERE Active = false")
    assert default["QueryResponse"]["totalCount"] == 28
    assert names(inactive) == ["Cool Cars"]


async def test_sub_customers_carry_parent_and_full_name(api: Api) -> None:
    _, body = await api.query("SELECT * FROM Customer WHERE Id = '8'")
    (job,) = body["QueryResponse"]["Customer"]
    assert job["FullyQualifiedName"] == "Freeman Sporting Goods:0969 Ocean View Road"
    assert (job["Job"], job["ParentRef"]["value"], job["Level"]) == (True, "7", 1)
    assert job["Id"] == "8"
    assert isinstance(job["SyncToken"], str)


@pytest.mark.parametrize(
    ("statement", "error"),
    [
        ("SELECT * FROM Customer WHERE Id = '1' OR Id = '2'", QueryParseError),
        ("SELECT Id FROM Customer", QueryParseError),
        ("SELECT * FROM Customer WHERE Name = 'open", QueryParseError),
        ("SELECT * FROM Customer MAXRESULTS 5000", QueryValidationError),
    ],
)
def test_parser_refusals(statement: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_query(statement)


def test_parser_reads_escapes_order_keys_and_paging() -> None:
    query = parse_query(
        "SELECT * FROM Customer WHERE DisplayName = 'A\\'s \\\\ b' AND Balance >= '10' "
        "ORDER BY DisplayName DESC, Id STARTPOSITION 3 MAXRESULTS 7"
    )
    assert query.where[0].values == ("A's \\ b",)
    assert query.where[1].op == ">="
    assert query.order == (("DisplayName", True), ("Id", False))
    assert (query.start, query.max_results) == (3, 7)


async def test_prices_held_as_decimals_go_out_as_exact_json_numbers(
    api: Api, qbo_simulator: Simulator
) -> None:
    added = qbo_simulator.company.add_item("Exact", UnitPrice=Decimal("1e999999"))
    async with api.session.get(f"{api.company}/item/{added['Id']}", headers=api.headers()) as read:
        text = await read.text()
    assert '"UnitPrice":1E+999999' in text
