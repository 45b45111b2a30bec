"""QBO Customers and Items as the invoicing account's clients and items (product.md section 3).

QBO JSON is parsed with Decimal for numbers, so prices stay exact; they are stored as decimal
strings. Fields QBO left out are left out here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from importer.rules import Candidate

_ADDRESS_FIELDS = (
    ("Line1", "line1"),
    ("Line2", "line2"),
    ("Line3", "line3"),
    ("Line4", "line4"),
    ("Line5", "line5"),
    ("City", "city"),
    ("CountrySubDivisionCode", "region"),
    ("PostalCode", "postal_code"),
    ("Country", "country"),
)


# QBO JSON objects arrive as dicts: a plain type check is much cheaper than an ABC check.
def _ref(value: Any) -> str | None:
    if type(value) is dict and value.get("value") is not None:
        return str(value["value"])
    return None


def _nested(value: Any, key: str) -> str | None:
    if type(value) is dict and value.get(key):
        return str(value[key])
    return None


def _address(value: Any) -> dict[str, str] | None:
    if type(value) is not dict:
        return None
    address = {name: str(value[key]) for key, name in _ADDRESS_FIELDS if value.get(key)}
    return address or None


def _decimal_text(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        # Never trust binary floats with money: go through their shortest decimal spelling.
        value = repr(value)
    try:
        return str(Decimal(str(value)))
    except ArithmeticError:
        return None


def _drop_empty(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value not in (None, "", {})}


def client_from_customer(customer: Mapping[str, Any]) -> Candidate:
    """Map a QBO Customer to a client candidate."""
    fields = _drop_empty(
        {
            "company": customer.get("CompanyName"),
            "given_name": customer.get("GivenName"),
            "family_name": customer.get("FamilyName"),
            "email": _nested(customer.get("PrimaryEmailAddr"), "Address"),
            "phone": _nested(customer.get("PrimaryPhone"), "FreeFormNumber"),
            "mobile": _nested(customer.get("Mobile"), "FreeFormNumber"),
            "billing_address": _address(customer.get("BillAddr")),
            "shipping_address": _address(customer.get("ShipAddr")),
            "notes": customer.get("Notes"),
            "currency": _ref(customer.get("CurrencyRef")),
            "taxable": customer.get("Taxable"),
            "parent_qbo_id": _ref(customer.get("ParentRef")),
        }
    )
    return Candidate(
        qbo_id=str(customer.get("Id", "")),
        name=str(customer.get("DisplayName") or ""),
        active=bool(customer.get("Active", True)),
        fields=fields,
    )


def item_from_qbo(item: Mapping[str, Any]) -> Candidate:
    """Map a QBO Item to an item candidate."""
    fields = _drop_empty(
        {
            "description": item.get("Description"),
            "unit_price": _decimal_text(item.get("UnitPrice")),
            "sku": item.get("Sku"),
            "taxable": item.get("Taxable"),
            "type": item.get("Type"),
        }
    )
    return Candidate(
        qbo_id=str(item.get("Id", "")),
        name=str(item.get("Name") or ""),
        active=bool(item.get("Active", True)),
        item_type=item.get("Type"),
        fields=fields,
    )
