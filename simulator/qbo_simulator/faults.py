"""Injected failures, and the compact grammar the CLI and the admin API use to name them.

Grammar (faults separated by commas; spaces ignored)::

    FAULT  := KIND ["@" WHEN] ("~" FLAG)*
    KIND   := throttle | 500 | 502 | 503 | 504 | timeout=SECONDS | hang | expire | invalid_grant
            | badbody=BODY   BODY := text | truncated | null | list
    WHEN   := N          the Nth API request, counted from 1 since the fault was injected
            | start=S    an API query whose STARTPOSITION is S
            | *          every API request (implies ~always)
    FLAG   := always     keep firing (default: fire once)
            | retry-after=SECONDS   throttle only: send a Retry-After header

Effects: `throttle` answers 429 with the XML ThrottleExceeded body; `500` a JSON SystemFault,
`502`/`503`/`504` a gateway HTML page; `timeout=D` answers normally after D seconds; `hang`
never answers; `expire` makes every access token issued so far invalid just before the request,
so it gets 401 code 3200; `invalid_grant` refuses the next refresh (no WHEN needed);
`badbody=B` answers 200 with a body no client can read as QBO's: `text` an HTML page, `truncated`
the real JSON answer cut in half, `null` and `list` a `QueryResponse` that is `null` or `[]`.

Examples: `throttle@3`, `throttle@start=1001~always~retry-after=2`, `503@start=201`,
`timeout=10@4`, `hang@start=2001`, `expire@50`, `invalid_grant`, `badbody=null@start=991~always`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = (
    "throttle",
    "500",
    "502",
    "503",
    "504",
    "timeout",
    "hang",
    "expire",
    "invalid_grant",
    "badbody",
)
BAD_BODIES = ("text", "truncated", "null", "list")


class FaultSpecError(ValueError):
    """A fault string does not follow the grammar."""


@dataclass(frozen=True)
class Fault:
    """One failure to inject: what happens and on which request."""

    kind: str
    nth: int | None = None
    start: int | None = None
    every: bool = False
    always: bool = False
    retry_after: int | None = None
    seconds: float = 0
    body: str = ""

    def __str__(self) -> str:
        kind = f"timeout={self.seconds:g}" if self.kind == "timeout" else self.kind
        kind = f"badbody={self.body}" if self.kind == "badbody" else kind
        when = "*" if self.every else f"start={self.start}" if self.start else self.nth
        text = kind if when is None else f"{kind}@{when}"
        if self.always and not self.every:
            text += "~always"
        if self.retry_after is not None:
            text += f"~retry-after={self.retry_after}"
        return text


def parse_fault(text: str) -> Fault:
    """Parse one fault, e.g. `throttle@start=1001~always`."""
    head, *flags = text.replace(" ", "").split("~")
    kind, _, when = head.partition("@")
    seconds, body = 0.0, ""
    if kind.startswith("timeout="):
        kind, seconds = "timeout", _number(kind.removeprefix("timeout="), text)
    elif kind.startswith("badbody="):
        kind, body = "badbody", kind.removeprefix("badbody=")
        if body not in BAD_BODIES:
            raise FaultSpecError(f"unknown bad body {body!r} in {text!r}; expected {BAD_BODIES}")
    if kind not in KINDS or (kind == "badbody" and not body):
        raise FaultSpecError(f"unknown fault {kind!r} in {text!r}; expected one of {KINDS}")
    nth = start = None
    every = when == "*"
    if when.startswith("start="):
        start = int(_number(when.removeprefix("start="), text))
    elif when and not every:
        nth = int(_number(when, text))
    if kind != "invalid_grant" and not (every or nth or start):
        raise FaultSpecError(f"fault {text!r} needs @N, @start=S or @*")
    always, retry_after = every, None
    for flag in flags:
        if flag == "always":
            always = True
        elif flag.startswith("retry-after="):
            retry_after = int(_number(flag.removeprefix("retry-after="), text))
        else:
            raise FaultSpecError(f"unknown flag {flag!r} in {text!r}")
    return Fault(kind, nth, start, every, always, retry_after, seconds, body)


def parse_faults(text: str) -> tuple[Fault, ...]:
    """Parse a comma-separated fault list such as `throttle@3,503@start=201`."""
    return tuple(parse_fault(part) for part in text.split(",") if part.strip())


def _number(text: str, whole: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise FaultSpecError(f"expected a number, got {text!r} in {whole!r}") from None
    if value < 0:
        raise FaultSpecError(f"expected a positive number in {whole!r}")
    return value


@dataclass
class _Armed:
    fault: Fault
    base: int
    fired: bool = False


@dataclass
class FaultBook:
    """The faults in force and the API request counter they are measured against."""

    requests: int = 0
    armed: list[_Armed] = field(default_factory=list)

    def inject(self, fault: Fault | str) -> None:
        """Arm one fault (or a grammar string of several), counting from now."""
        for one in parse_faults(fault) if isinstance(fault, str) else (fault,):
            self.armed.append(_Armed(one, self.requests))

    def clear(self) -> None:
        """Disarm every fault."""
        self.armed.clear()

    def active(self) -> list[Fault]:
        """Return the faults that can still fire."""
        return [a.fault for a in self.armed if not a.fired]

    def next_request(self, start: int | None) -> list[Fault]:
        """Count one API request and return the faults it triggers, in order of injection."""
        self.requests += 1
        hits: list[Fault] = []
        for armed in self.armed:
            fault = armed.fault
            if armed.fired or fault.kind == "invalid_grant":
                continue
            nth_hit = fault.nth is not None and (
                self.requests - armed.base == fault.nth
                or (fault.always and self.requests - armed.base >= fault.nth)
            )
            start_hit = fault.start is not None and start == fault.start
            if fault.every or nth_hit or start_hit:
                hits.append(fault)
                armed.fired = not fault.always
        return hits

    def refuse_refresh(self) -> bool:
        """Say whether this refresh must fail with invalid_grant (consuming a once-fault)."""
        for armed in self.armed:
            if armed.fault.kind == "invalid_grant" and not armed.fired:
                armed.fired = not armed.fault.always
                return True
        return False
