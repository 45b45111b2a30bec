"""What a person types (names, currencies, prices, list bounds), checked by the same rules as what
QuickBooks sends; a value they refuse raises InvalidValue with the rule in its message."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from importer.domain.errors import InvalidValue
from importer.domain.messages import N_
from importer.domain.money import MAX_DIGITS, MAX_WHOLE_DIGITS, fits_money
from importer.domain.names import (
    MAX_NAME_LENGTH,
    display_name,
    has_tab_or_line_break,
    is_valid_name,
)

# ISO 4217 codes of the currencies in use (CLDR, 2026): what QBO's CurrencyRef holds.
_ISO_4217 = """
    AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN
    BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL
    GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF
    KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN
    MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD
    SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX
    USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
"""
CURRENCIES = frozenset(_ISO_4217.split())


def checked_name(name: str) -> str:
    """Return a typed name as it is stored, or refuse one an import would skip as invalid (R5)."""
    # Typed names are refused with tabs or line breaks; QBO's are cleaned (names.display_name).
    if not is_valid_name(name) or has_tab_or_line_break(name):
        raise InvalidValue(
            N_(
                "A name cannot be empty, longer than {limit} characters, or hold tabs or line "
                "breaks."
            ),
            limit=MAX_NAME_LENGTH,
        )
    return display_name(name)


def checked_currency(code: str) -> str:
    """Return a currency code in capitals, or refuse one that is not ISO 4217's."""
    upper = code.strip().upper()
    if upper not in CURRENCIES:
        raise InvalidValue(
            N_("{code!r} is not an ISO 4217 currency code (for example USD, EUR or GBP)."),
            code=upper,
        )
    return upper


def parsed_price(text: str) -> Decimal:
    """Return a typed unit price as QBO keeps one, negative for discounts; refuse one money cannot
    hold (money.fits_money), which an import would skip as invalid (R5)."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise InvalidValue(N_("not a price: {text!r} (use digits, e.g. 12.50)"), text=text)
    if not fits_money(value):
        raise InvalidValue(
            N_(
                "a price can have at most {whole} digits before the point and {digits} digits in "
                "all, not {text!r}"
            ),
            whole=MAX_WHOLE_DIGITS,
            digits=MAX_DIGITS,
            text=_shortened(text.strip()),
        )
    return value


def _shortened(text: str, limit: int = 60) -> str:
    """Return a typed value to quote in a refusal: the start of a long one, with an ellipsis."""
    return text if len(text) <= limit else text[:limit] + "…"


def price_text(value: Decimal) -> str:
    """Return a price as it is stored and shown: plain digits, never 1E+3."""
    return format(value, "f")


# The largest limit or offset: the stores keep whole numbers in 64 bits (SQLite's INTEGER,
# MongoDB's long).
MAX_BOUND = 2**63 - 1


def checked_bound(value: int | str) -> int:
    """Return a list's limit or offset as a number, or refuse one that is not 0 or more, or
    is over MAX_BOUND."""
    try:
        number = int(value)
    except ValueError:  # not a number, or more digits than Python reads
        number = MAX_BOUND + 1 if str(value).strip().isdecimal() else -1
    if number < 0:
        raise InvalidValue(N_("must be a whole number, 0 or more, not {value!r}"), value=str(value))
    if number > MAX_BOUND:
        raise InvalidValue(
            N_("must be a whole number from 0 to {most}, not {value!r}"),
            most=MAX_BOUND,
            value=str(value) if len(str(value)) <= 40 else f"{str(value)[:40]}…",
        )
    return number
