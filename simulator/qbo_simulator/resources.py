"""What the API does with a query statement or an entity body, for single and batch requests."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from qbo_simulator import envelopes as env
from qbo_simulator.data import ENTITIES, Company, Record
from qbo_simulator.query import Query, QueryParseError, QueryValidationError, parse_query
from qbo_simulator.writes import WriteFault, invalid_body, save

ENTITY_PATHS = {name.lower(): name for name in ENTITIES}
QUERYABLE = {**ENTITY_PATHS, "companyinfo": "CompanyInfo", "preferences": "Preferences"}
WRITABLE = ("Customer", "Item")


@dataclass(frozen=True)
class Selection:
    """The rows a statement selects, before paging, and the statement itself."""

    entity: str
    query: Query
    rows: list[Record]

    @property
    def page(self) -> list[Record]:
        """Return the rows STARTPOSITION and MAXRESULTS ask for."""
        start = self.query.start - 1
        return self.rows[start : start + self.query.max_results]


def select(company: Company, statement: str) -> Selection:
    """Run a statement; raise QueryParseError or QueryValidationError as QBO would refuse it."""
    query = parse_query(statement)
    entity = QUERYABLE.get(query.entity.lower())
    if entity is None:
        raise QueryValidationError(f"QueryValidationError: Invalid entity {query.entity}")
    if entity in ("CompanyInfo", "Preferences"):
        rows = [company.info if entity == "CompanyInfo" else company.preferences]
    else:
        rows = company.select(replace(query, entity=entity))
    return Selection(entity, query, rows)


def query_response(selection: Selection) -> dict[str, Any]:
    """Return the QueryResponse object of a selection (empty when the page is)."""
    if selection.query.count:
        return env.count_body(len(selection.rows))
    return env.query_body(selection.entity, selection.page, selection.query.start)


def write(company: Company, entity: str, body: Any) -> Record:
    """Create or update a customer or item from a decoded body; raise WriteFault if refused."""
    if not isinstance(body, dict):
        raise invalid_body()
    try:
        return save(company, entity, body)
    except (ValueError, TypeError, AttributeError):
        raise invalid_body() from None


def decode(text: str) -> Any:
    """Decode a JSON request body; raise WriteFault 2310 when it is not JSON."""
    try:
        return json.loads(text)
    except ValueError:
        raise invalid_body() from None


def fault_of(error: Exception) -> dict[str, Any]:
    """Return the `Fault` object (without `time`) QBO answers a refused query or write with."""
    if isinstance(error, QueryParseError):
        refused = WriteFault("4000", "Error parsing query", str(error))
    elif isinstance(error, QueryValidationError):
        refused = WriteFault("4001", "Invalid query", str(error))
    elif isinstance(error, WriteFault):
        refused = error
    else:
        raise error
    body = env.fault(refused.code, refused.message, refused.detail, element=refused.element)
    fault: dict[str, Any] = body["Fault"]
    return fault
