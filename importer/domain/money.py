"""Money the invoicing account can hold: exact decimals of a bounded size, never floats."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

# At most 34 significant digits (IEEE 754 decimal128, MongoDB's Decimal128), of which at most 15
# before the point: a price beyond either is a mistake in the data, not a price.
MAX_DIGITS = 34
MAX_WHOLE_DIGITS = 15


def fits_money(value: Decimal | str | None) -> bool:
    """Tell whether an amount (a Decimal or a decimal string; None is no amount) can be held."""
    if value is None:
        return True
    try:
        amount = value if isinstance(value, Decimal) else Decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        return False
    if not amount.is_finite():
        return False
    digits, exponent = len(amount.as_tuple().digits), amount.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    whole = max(digits + exponent, 0)
    fraction = max(-exponent, 0)
    return whole <= MAX_WHOLE_DIGITS and whole + fraction <= MAX_DIGITS
