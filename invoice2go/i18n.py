"""Every text a person reads, in English and Spanish; English when the locale is anything else."""

from __future__ import annotations

from typing import Any

LOCALES = ("en", "es")

MESSAGES: dict[str, dict[str, str]] = {
    "kind.clients": {"en": "Clients", "es": "Clientes"},
    "kind.items": {"en": "Items", "es": "Conceptos"},
    "progress": {
        "en": "Importing {kind}… {seen:,} of {total}",
        "es": "Importando {kind}… {seen:,} de {total}",
    },
    "summary.imported": {"en": "{n:,} imported", "es": "{n:,} importados"},
    "summary.failed": {"en": "{n:,} failed", "es": "{n:,} con error"},
    "summary.nothing_new": {"en": "nothing new", "es": "nada nuevo"},
    "summary.resumed": {
        "en": "resumed where an interrupted import stopped",
        "es": "retomada donde se detuvo una importación interrumpida",
    },
    "skip.exists": {
        "en": "{n:,} skipped: the name already exists",
        "es": "{n:,} omitidos: el nombre ya existe",
    },
    "skip.deleted": {
        "en": "{n:,} skipped: deleted here before",
        "es": "{n:,} omitidos: se eliminaron aquí antes",
    },
    "skip.duplicate": {
        "en": "{n:,} skipped: duplicate name in QuickBooks",
        "es": "{n:,} omitidos: nombre duplicado en QuickBooks",
    },
    "skip.inactive": {
        "en": "{n:,} skipped: inactive in QuickBooks",
        "es": "{n:,} omitidos: inactivos en QuickBooks",
    },
    "skip.unsupported": {
        "en": "{n:,} skipped: type not supported (categories, bundles)",
        "es": "{n:,} omitidos: tipo no admitido (categorías, paquetes)",
    },
    "skip.invalid": {
        "en": "{n:,} skipped: empty or too long name",
        "es": "{n:,} omitidos: nombre vacío o demasiado largo",
    },
    "import.failed": {
        "en": "The import of {kind} stopped: {reason}",
        "es": "La importación de {kind} se detuvo: {reason}",
    },
    "import.running": {
        "en": "An import of {kind} is already running for {account} (started {started}, "
        "{seen:,} records so far). Its summary will show when it ends.",
        "es": "Ya hay una importación de {kind} en curso para {account} (empezó {started}, "
        "{seen:,} registros hasta ahora). Su resumen aparecerá al terminar.",
    },
    "import.cancelled": {
        "en": "Cancelled the import of {kind} for {account} (run {run}, {seen:,} records read); "
        "the next import starts anew.",
        "es": "Cancelada la importación de {kind} de {account} (ejecución {run}, {seen:,} "
        "registros leídos); la próxima importación empezará de nuevo.",
    },
    "import.cancel.none": {
        "en": "No import of {kind} to cancel for {account}.",
        "es": "No hay ninguna importación de {kind} que cancelar en {account}.",
    },
    "error.no_account": {
        "en": "No account named {name!r}. Create it with: invoice2go accounts create {name!r}",
        "es": "No existe la cuenta {name!r}. Créala con: invoice2go accounts create {name!r}",
    },
    "error.plan": {
        "en": "The {plan} plan does not include the QuickBooks integration. Upgrade to {plans} "
        "to import; what was imported stays.",
        "es": "El plan {plan} no incluye la integración con QuickBooks. Cambia a {plans} para "
        "importar; lo ya importado se conserva.",
    },
    "error.not_found": {
        "en": "No {kind} named or with id {name!r} in {account}.",
        "es": "No hay {kind} con nombre o id {name!r} en {account}.",
    },
    "deleted": {
        "en": "Deleted {name!r}. It will not be imported from QuickBooks again.",
        "es": "Eliminado {name!r}. No se volverá a importar desde QuickBooks.",
    },
    "added": {"en": "Added {name!r}.", "es": "Añadido {name!r}."},
    "account.created": {
        "en": "Created account {name!r} on the {plan} plan.",
        "es": "Cuenta {name!r} creada con el plan {plan}.",
    },
    "connected": {
        "en": "Connected {account} to QuickBooks company {company} ({realm}), "
        "home currency {currency}.",
        "es": "{account} conectada a la empresa de QuickBooks {company} ({realm}), "
        "moneda principal {currency}.",
    },
    "migrated": {
        "en": "The database is ready ({where}).",
        "es": "La base de datos está lista ({where}).",
    },
    "none": {"en": "Nothing here yet.", "es": "Aún no hay nada."},
}


def pick_locale(value: str | None) -> str:
    """Return 'es' for Spanish locales (es, es_ES.UTF-8, es-MX…), else 'en'."""
    if value and value.strip().lower()[:2] == "es":
        return "es"
    return "en"


def t(key: str, locale: str = "en", **values: Any) -> str:
    """Return the message in the locale's language, filled with values."""
    texts = MESSAGES[key]
    return texts.get(locale, texts["en"]).format(**values)
