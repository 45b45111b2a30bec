"""The QBO Customer and Item fields the import reads, decoded straight from a page's JSON.

msgspec reads only these fields (QBO sends many more) into typed objects, with money as an
exact Decimal taken from the JSON text: several times faster than json.loads and walking dicts,
which matters on a 100,000-customer company. A page with a record of an unexpected shape is
decoded record by record instead, so one odd record is skipped as invalid, not the whole page.
A body that is not a query page at all (not JSON, a `QueryResponse` that is null or a list)
raises MalformedBody: the client asks for it again, as after a server error.
"""

from __future__ import annotations

import json
import logging
import re
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import msgspec

from importer.domain.messages import N_, Text, english

log = logging.getLogger(__name__)


class MalformedBody(ValueError):
    """A 200 answer whose body is not what QBO documents for the request; text says what is
    wrong as a message (N_), shown in the reader's language."""

    def __init__(self, message: str, /, **values: Any) -> None:
        super().__init__(english(message, values))
        self.text = Text(message, values)


def json_number(text: str) -> Decimal:
    """Read a JSON number exactly; one no Decimal can hold (1e99999999999999999999) is NaN."""
    try:
        return Decimal(text)
    except InvalidOperation:
        return Decimal("NaN")


class Ref(msgspec.Struct, frozen=True):
    """A reference to another QBO object, e.g. {"value": "7", "name": "Freeman Sporting Goods"}."""

    value: str | None = None


class EmailAddress(msgspec.Struct, frozen=True):
    Address: str | None = None


class PhoneNumber(msgspec.Struct, frozen=True):
    FreeFormNumber: str | None = None


class PhysicalAddress(msgspec.Struct, frozen=True):
    Line1: str | None = None
    Line2: str | None = None
    Line3: str | None = None
    Line4: str | None = None
    Line5: str | None = None
    City: str | None = None
    CountrySubDivisionCode: str | None = None
    PostalCode: str | None = None
    Country: str | None = None


class Customer(msgspec.Struct, frozen=True):
    """A QBO Customer, as far as a client needs it."""

    Id: str
    DisplayName: str = ""
    Active: bool = True
    CompanyName: str | None = None
    GivenName: str | None = None
    FamilyName: str | None = None
    PrimaryEmailAddr: EmailAddress | None = None
    PrimaryPhone: PhoneNumber | None = None
    Mobile: PhoneNumber | None = None
    BillAddr: PhysicalAddress | None = None
    ShipAddr: PhysicalAddress | None = None
    Notes: str | None = None
    CurrencyRef: Ref | None = None
    Taxable: bool | None = None
    ParentRef: Ref | None = None


class Item(msgspec.Struct, frozen=True):
    """A QBO Item (product or service), as far as an item needs it."""

    Id: str
    Name: str = ""
    Active: bool = True
    Type: str | None = None
    Description: str | None = None
    UnitPrice: Decimal | None = None
    Sku: str | None = None
    Taxable: bool | None = None


class _Customers(msgspec.Struct):
    Customer: list[Customer] = msgspec.field(default_factory=list)


class _Items(msgspec.Struct):
    Item: list[Item] = msgspec.field(default_factory=list)


class _CustomerPage(msgspec.Struct):
    QueryResponse: _Customers


class _ItemPage(msgspec.Struct):
    QueryResponse: _Items


_CUSTOMER_PAGE = msgspec.json.Decoder(_CustomerPage)
_ITEM_PAGE = msgspec.json.Decoder(_ItemPage)

Row = TypeVar("Row", Customer, Item)
_ESSENTIAL = ("Id", "DisplayName", "Name", "Active", "Type")
# msgspec names the offending field at the end of its message: "… - at `$.Taxable`".
_FIELD_PATH = re.compile(r"at `\$\.(\w+)")


def _lenient(row: dict[str, Any], entity: str, row_type: type[Row]) -> Row:
    """Decode one record, leaving out the fields of an unexpected shape (and saying so)."""
    for _ in range(len(row)):
        try:
            return msgspec.convert(row, row_type, strict=False)
        except msgspec.ValidationError as error:
            found = _FIELD_PATH.search(str(error))
            if found is None or found.group(1) not in row or found.group(1) in _ESSENTIAL:
                break
            if found.group(1) == "UnitPrice" and not isinstance(row["UnitPrice"], Decimal):
                # An unreadable price is not left out: the item would be imported without it.
                log.warning("QBO %s %s: %s; its price is unreadable", entity, row.get("Id"), error)
                row = {**row, "UnitPrice": Decimal("NaN")}
                continue
            log.warning(
                "QBO %s %s: %s; reading it without that field", entity, row.get("Id"), error
            )
            row = {key: value for key, value in row.items() if key != found.group(1)}
    essential = {k: row[k] for k in _ESSENTIAL if isinstance(row.get(k), str | bool)}
    essential["Id"] = str(row.get("Id", ""))
    log.warning("QBO %s %s has an unexpected shape; reading its name only", entity, essential["Id"])
    return msgspec.convert(essential, row_type, strict=False)


def query_rows(page: object, entity: str) -> list[Any]:
    """Return the entity's rows of a decoded query page; MalformedBody if it is not one."""
    response = page.get("QueryResponse") if isinstance(page, dict) else None
    if not isinstance(response, dict):
        raise MalformedBody(N_("{key} is not an object"), key="QueryResponse")
    rows = response.get(entity, [])
    # Every row takes a position: one that is not a record cannot be passed over in silence.
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise MalformedBody(N_("{entity} is not a list of records"), entity=entity)
    return rows


def _one_by_one(body: bytes, entity: str, row_type: type[Row]) -> list[Row]:
    """Decode each record alone, so one record of an unexpected shape spoils nothing else."""
    try:
        page = json.loads(body, parse_float=json_number)
    except ValueError:
        raise MalformedBody(N_("not JSON")) from None
    return [_lenient(row, entity, row_type) for row in query_rows(page, entity)]


def decode_customers(body: bytes) -> list[Customer]:
    """Return the Customers of a query page; MalformedBody if the body is not one."""
    try:
        return _CUSTOMER_PAGE.decode(body).QueryResponse.Customer
    except (msgspec.ValidationError, InvalidOperation):
        # Something of an unexpected shape, or a number no Decimal holds: record by record.
        return _one_by_one(body, "Customer", Customer)
    except msgspec.DecodeError:
        raise MalformedBody(N_("not JSON")) from None


def decode_items(body: bytes) -> list[Item]:
    """Return the Items of a query page; MalformedBody if the body is not one."""
    try:
        return _ITEM_PAGE.decode(body).QueryResponse.Item
    except (msgspec.ValidationError, InvalidOperation):
        return _one_by_one(body, "Item", Item)
    except msgspec.DecodeError:
        raise MalformedBody(N_("not JSON")) from None
