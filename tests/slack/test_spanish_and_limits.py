"""Spanish throughout for a Spanish-speaking person (§4), and Block Kit's limits with 10,000
skipped names of 500 characters (every view and message of every scenario is also checked by the
fake_slack fixture)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

from importer.domain.jobs import JobOrigin, JobStatus
from importer.domain.model import Counts, Kind, Skipped, SkipReason
from importer.domain.names import MAX_NAME_LENGTH
from importer.domain.runs import Checkpoint, RunStatus
from invoice2go.slack_driver import buttons, income, kinds, texts, understood
from tests.slack.conftest import TEAM, SlackWorld

CATALOGUE = Path(__file__).resolve().parents[2] / "i18n/locales/es/LC_MESSAGES/messages.po"
PLACEHOLDERS = re.compile(r"\{\w+\}|`[^`]*`|\*")
# Words of English sentences; none is Spanish.
ENGLISH = re.compile(r"\b(the|and|is|was|to|of|must|not|your|you|this|with|from)\b", re.I)


def english_fragments() -> list[re.Pattern[str]]:
    """Pieces of the English messages that Spanish changes (placeholders and commands cut)."""
    with CATALOGUE.open("rb") as handle:
        catalog = read_po(handle, locale="es")
    patterns: list[re.Pattern[str]] = []
    for message in catalog:
        ids = [
            str(text) for text in (message.id if isinstance(message.id, tuple) else [message.id])
        ]
        strings = [
            str(text)
            for text in (message.string if isinstance(message.string, tuple) else [message.string])
        ]
        for english in ids:
            if not english or english in strings:
                continue
            for piece in PLACEHOLDERS.split(english):
                piece = piece.strip(" .,:;()·—-\n")
                if len(piece) >= 4 and piece not in " ".join(strings):
                    patterns.append(re.compile(rf"(?<!\w){re.escape(piece)}(?!\w)"))
    return patterns


def english_in(read: list[str], data: set[str]) -> list[str]:
    """Return what reads as English in texts a person read, leaving their data (names) aside."""
    fragments = english_fragments()
    found: list[str] = []
    for text in read:
        for name in sorted(data, key=len, reverse=True):
            for shown in (name, name.replace("&", "&amp;").replace("'", "’")):
                text = text.replace(shown, "")
        found += [f"{p.pattern} in {text!r}" for p in fragments if p.search(text)]
        found += [f"{m.group(0)!r} in {text!r}" for m in ENGLISH.finditer(text)]
    return found


def everything_read(world: SlackWorld, answers: list[Any], pages: list[str]) -> list[str]:
    """Every text the person read: answers, response_url posts, messages, modals, Home tab,
    and the browser pages' visible text."""
    read = [
        texts(answer.get("blocks", [])) + "\n" + str(answer.get("text", "")) for answer in answers
    ]
    read += [texts(answer.get("view", {}).get("blocks", [])) for answer in answers]
    read += [json.dumps(answer.get("errors", {}), ensure_ascii=False) for answer in answers]
    read += [
        hook.get("text", "") + "\n" + texts(hook.get("blocks", [])) for hook in world.slack.hooks
    ]
    for call in world.slack.calls:
        view = call.args.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        if isinstance(view, dict):
            read.append(texts(view.get("blocks", [])) + "\n" + texts([view.get("title", {})]))
            read.append(texts([view.get("submit") or {}, view.get("close") or {}]))
        if call.method in ("chat.postMessage", "chat.update"):
            blocks = call.args.get("blocks")
            blocks = json.loads(blocks) if isinstance(blocks, str) else blocks or []
            read.append(str(call.args.get("text", "")) + "\n" + texts(blocks))
            for block in blocks:
                confirm = (block.get("accessory") or {}).get("confirm")
                if confirm:
                    read.append(texts([confirm]))
    read += [re.sub(r"<[^>]+>", "\n", page) for page in pages]
    return read


async def test_a_spanish_speaker_reads_spanish_throughout(world: SlackWorld) -> None:
    world.sim.company.preferences["CurrencyPrefs"]["HomeCurrency"] = {"value": "CAD"}
    me = "U5"
    answers: list[Any] = []
    pages: list[str] = []

    for words in ("ayuda", "", "estado", "clientes", "importar clientes", "palabra rara"):
        answers.append((await world.command(words, user=me))[1])
    await world.event({"type": "app_home_opened", "user": me, "tab": "home"})
    await world.calls("views.publish")

    view_id = await world.open_wizard(me)
    status, page = await world.sign_in(world.sign_in_link(view_id))
    pages.append(page)
    for values in (income("45"), understood(False), understood(True), kinds("clients", "items")):
        answers.append((await world.submit(view_id, values, user=me))[1])
    assert answers[-1]["response_action"] == "update"
    await world.run_jobs()

    answers.append((await world.command("importar todo", user=me))[1])
    answers.append((await world.command("importar todo", user=me))[1])  # already under way
    (job, *_) = await world.run_jobs()
    summary = world.slack.dm(me)[-1]
    await world.click("show_skipped", buttons(summary.blocks)["show_skipped"]["value"], user=me)
    await world.calls("views.open", 2)

    _, listed = await world.command("clientes amy", user=me)
    answers.append(listed)
    await world.click("delete_record", buttons(listed["blocks"])["delete_record"]["value"], user=me)
    for words in ("autoimport on", "autoimport off", "estado", "conceptos zzz"):
        answers.append((await world.command(words, user=me))[1])

    world.sim.inject("invalid_grant")
    world.sim.expire_access_tokens()
    answers.append((await world.command("importar clientes", user=me))[1])
    await world.run_jobs()
    answers.append((await world.command("importar conceptos", user=me))[1])
    await world.event({"type": "app_home_opened", "user": me, "tab": "home"})
    answers.append((await world.command("desconectar", user=me))[1])
    await world.click("disconnect", "disconnect", user=me)
    await world.until(lambda: _hooks(world), 2)  # the deletion's answer, the disconnection's
    await world.calls("views.publish", 4)  # opened, signed in, opened, disconnected

    # Spanish words, Spanish numbers and plurals where a person reads them.
    assert status == 200
    assert "QuickBooks está conectado" in page
    said = texts(summary.blocks)
    assert "Importación terminada" in said
    assert "omitidos: el nombre ya existe" in said
    (skipped_view,) = [
        v for v in world.slack.views.values() if v.get("callback_id") == "skipped_names"
    ]
    assert skipped_view["title"]["text"] == "Nombres omitidos"
    refused = world.slack.dm(me)[-1]
    assert refused.text == "La importación falló"
    assert "un administrador debe volver a conectar QuickBooks" in texts(refused.blocks)
    assert buttons(refused.blocks)["reconnect"]["text"]["text"] == "Reconectar"
    said_back = [hook["text"] for hook in world.slack.hooks]
    assert said_back[0].startswith("Amy's Bird Sanctuary eliminado.")
    assert said_back[1] == "QuickBooks está desconectado; lo importado se conserva."
    read = everything_read(world, answers, pages)
    data = {
        *(row["DisplayName"] for row in world.sim.company.lists["Customer"].rows),
        *(row["Name"] for row in world.sim.company.lists["Item"].rows),
        *(row["Name"] for row in world.sim.company.lists["Account"].rows),
        world.sim.company.info["CompanyName"],
        world.slack.team_name,
        "QuickBooks",
        "invoice2go",
    }
    left = english_in(read, data)
    assert left == [], "\n".join(left)
    assert job.status is JobStatus.SUCCEEDED


async def _hooks(world: SlackWorld) -> int:
    return len(world.slack.hooks)


async def test_ten_thousand_long_skipped_names_page_within_block_kit(world: SlackWorld) -> None:
    store = world.services.store
    account = await world.account()
    await world.connect(account)  # a job is queued only for a connected account
    long_names = [f"{n:05d} " + "Ñandú & Hijos " * 40 for n in range(10_000)]
    assert all(len(name) > 500 for name in long_names)
    run = await store.begin_run(
        account.id, Kind.CLIENTS, "9341455130166501", "test", timedelta(days=1)
    )
    skipped = [Skipped(str(n), name, SkipReason.EXISTS) for n, name in enumerate(long_names)]
    counts = Counts(skipped={SkipReason.EXISTS.value: len(skipped)})
    await store.save_checkpoint(run.id, "test", Checkpoint(1, None, counts, skipped, total=10_000))
    await store.finish_run(run.id, "test", RunStatus.SUCCEEDED)
    request = await world.services.jobs.request(
        account,
        (Kind.CLIENTS,),
        origin=JobOrigin.SLACK,
        requested_by="U5",
        reply_to={"team": TEAM, "user": "U5", "locale": "es"},
    )
    claimed = await store.claim_job("test", 60)
    assert claimed is not None
    assert claimed.id == request.job.id
    outcome = {"clients": {"status": "succeeded", "run_id": run.id, **counts.as_dict()}}
    finished = await store.finish_job(claimed.id, "test", JobStatus.SUCCEEDED, outcome=outcome)
    await world.services.notifier.job_finished(finished)

    summary = world.slack.dm("U5")[-1]
    assert "10.000 omitidos" in texts(summary.blocks)  # Spanish numbers
    await world.click("show_skipped", finished.id, user="U5")
    (opened,) = await world.calls("views.open")
    first = opened.args["view"]
    view = {**world.slack.views[next(iter(world.slack.views))], "type": "modal"}
    shown = texts(first["blocks"])
    turn = buttons(first["blocks"])["skipped_page_next"]["value"]
    last_page = json.dumps({**json.loads(turn), "page": 399})
    await world.click("skipped_page_next", last_page, user="U5", view=view)
    (last,) = await world.calls("views.update")

    assert long_names[0][:250] in shown.replace("&amp;", "&")
    assert long_names[0] not in shown.replace("&amp;", "&")  # clipped, with an ellipsis
    assert "…" in shown
    assert long_names[24][:250] in shown.replace("&amp;", "&")
    assert long_names[25][:250] not in shown.replace("&amp;", "&")
    final = texts(last.args["view"]["blocks"]).replace("&amp;", "&")
    assert long_names[9_999][:250] in final
    assert "Página 400" in final
    assert "skipped_page_next" not in buttons(last.args["view"]["blocks"])
    assert "skipped_page_prev" in buttons(last.args["view"]["blocks"])


async def test_lists_of_the_longest_names_fit_in_a_message(world: SlackWorld) -> None:
    account = await world.account()
    longest = [f"{n:02d} " + "Ñ" * (MAX_NAME_LENGTH - 3) for n in range(30)]
    for name in longest:
        await world.services.records.add(account, Kind.ITEMS, name, {"unit_price": "12345.50"})

    status, listed = await world.command("conceptos", user="U5")  # checked against the limits

    assert status == 200
    shown = texts(listed["blocks"])
    assert longest[0][:150] in shown
    assert longest[0] not in shown
    assert "12.345,50" in shown  # the price, as Spanish writes money
    assert "Hay más: busca con más letras" in shown
    assert len(buttons(listed["blocks"])) == 1  # one Delete per record, by the same action id
