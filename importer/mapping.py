"""QBO Customers and Items as the invoicing account's clients and items (product.md section 3).

Prices arrive as exact Decimals (qbo.schema) and are stored as decimal strings. Fields QBO left
out are left out here too.
"""

from __future__ import annotations

from typing import Any

from importer.rules import Candidate
from qbo.schema import Customer, Item, PhysicalAddress


def _address(value: PhysicalAddress | None) -> dict[str, str] | None:
    if value is None:
        return None
    address = {
        "line1": value.Line1,
        "line2": value.Line2,
        "line3": value.Line3,
        "line4": value.Line4,
        "line5": value.Line5,
        "city": value.City,
        "region": value.CountrySubDivisionCode,
        "postal_code": value.PostalCode,
        "country": value.Country,
    }
    kept = {key: text for key, text in address.items() if text}
    return kept or None


def _kept(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None and value != ""}


def client_from_customer(customer: Customer) -> Candidate:
    """Map a QBO Customer to a client candidate."""
    email, phone, mobile = customer.PrimaryEmailAddr, customer.PrimaryPhone, customer.Mobile
    currency, parent = customer.CurrencyRef, customer.ParentRef
    fields = _kept(
        {
            "company": customer.CompanyName,
            "given_name": customer.GivenName,
            "family_name": customer.FamilyName,
            "email": email and email.Address,
            "phone": phone and phone.FreeFormNumber,
            "mobile": mobile and mobile.FreeFormNumber,
            "billing_address": _address(customer.BillAddr),
            "shipping_address": _address(customer.ShipAddr),
            "notes": customer.Notes,
            "currency": currency and currency.value,
            "taxable": customer.Taxable,
            "parent_qbo_id": parent and parent.value,
        }
    )
    return Candidate(customer.Id, customer.DisplayName, customer.Active, None, fields)


def item_from_qbo(item: Item) -> Candidate:
    """Map a QBO Item to an item candidate."""
    price = item.UnitPrice
    fields = _kept(
        {
            "description": item.Description,
            "unit_price": None if price is None or not price.is_finite() else str(price),
            "sku": item.Sku,
            "taxable": item.Taxable,
            "type": item.Type,
        }
    )
    return Candidate(item.Id, item.Name, item.Active, item.Type, fields)
