"""Every text a person reads, in their language: gettext catalogues through Babel.

Messages are English source strings with `{name}` placeholders; `i18n/locales/<lang>/LC_MESSAGES/
messages.po` holds each language's translations, plural forms included. English is the default
and needs no catalogue. A third language is a new catalogue, not a code change.

    _("Deleted {name}.", locale, name=record.name)
    ngettext("{n} client imported", "{n} clients imported", count, locale)

Numbers (int and Decimal values) are written in the locale's style: 12,345 in English, 12.345 in
Spanish. A value that is a message itself (N_("clients"), a Text) is translated too, and a OneOf
reads "a, b or c". Errors of the project carry their message as data: `explain(error, locale)`.
"""

from i18n.catalog import (
    LOCALES,
    N_,
    explain,
    format_amount,
    format_number,
    gettext,
    ngettext,
    pick_locale,
    translate,
)

_ = gettext

__all__ = [
    "LOCALES",
    "N_",
    "_",
    "explain",
    "format_amount",
    "format_number",
    "gettext",
    "ngettext",
    "pick_locale",
    "translate",
]
