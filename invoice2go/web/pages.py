"""The pages a person sees in a browser: the end of the QuickBooks sign-in, in their language."""

from __future__ import annotations

import shlex
from html import escape

from aiohttp import web

from i18n import _, pick_locale

PAGE = """<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 34rem; margin: 4rem auto; padding: 0 1rem;
       color: #1d1c1d; line-height: 1.5; }}
h1 {{ font-size: 1.5rem; }} code {{ background: #f4f4f4; padding: 0.1rem 0.3rem; }}
</style></head>
<body><h1>{title}</h1>
{paragraphs}
</body></html>
"""


def locale_of(request: web.Request, carried: str | None = None) -> str:
    """Return the page's language: the one recorded with the sign-in, else the browser's."""
    return pick_locale(carried or request.headers.get("Accept-Language"))


def html(title: str, paragraphs: list[str], locale: str) -> str:
    """Return an HTML page's text; title and paragraphs are plain text, escaped here."""
    body = "\n".join(f"<p>{escape(text)}</p>" for text in paragraphs)
    return PAGE.format(lang=locale, title=escape(title), paragraphs=body)


def page(title: str, paragraphs: list[str], locale: str, *, status: int = 200) -> web.Response:
    """Return an HTML page; title and paragraphs are plain text, escaped here."""
    return web.Response(
        text=html(title, paragraphs, locale), content_type="text/html", status=status
    )


def connected(account: str, company: str, locale: str, *, slack: bool) -> web.Response:
    """QuickBooks is connected: name the company and the account, and say where to go next."""
    next_step = (
        _(
            "Go back to Slack: the setup goes on there, with the income account for invoices.",
            locale,
        )
        if slack
        else _(
            "Import from the command line: invoice2go import --account {account} all",
            locale,
            account=shlex.quote(account),  # a command to paste into a shell, as it must be typed
        )
    )
    return page(
        _("QuickBooks is connected", locale),
        [
            _(
                "{account} is now connected to the QuickBooks company {company}.",
                locale,
                account=account,
                company=company,
            ),
            next_step,
            _("You can close this page.", locale),
        ],
        locale,
    )


def refused(title: str, reason: str, locale: str, *, status: int) -> web.Response:
    """A sign-in that changed nothing, with why and what to do."""
    return page(title, [reason, _("Nothing was changed.", locale)], locale, status=status)


class InstallPages:
    """The pages at the end of Slack's install (bot.install.InstallPages)."""

    def installed(self, workspace: str, locale: str) -> str:
        return html(
            _("invoice2go is installed", locale),
            [
                _(
                    "invoice2go is now part of the workspace {workspace}.",
                    locale,
                    workspace=workspace,
                ),
                _(
                    "Go back to Slack and type /invoice2go connect to connect QuickBooks, or open "
                    "invoice2go's Home tab.",
                    locale,
                ),
            ],
            locale,
        )

    def not_installed(self, reason: str, locale: str) -> str:
        if reason == "access_denied":
            why = _("You chose not to add invoice2go to the workspace.", locale)
        else:
            why = _(
                "Slack could not finish the installation ({reason}). Start again from the "
                "install link.",
                locale,
                reason=reason[:60],
            )
        return html(
            _("invoice2go was not installed", locale),
            [why, _("Nothing was changed.", locale)],
            locale,
        )


INSTALL_PAGES = InstallPages()
