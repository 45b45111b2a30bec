"""Parse QBO's query language: SELECT *|COUNT(*) FROM E [WHERE …] [ORDERBY …] [paging]."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_RESULTS = 1000
DEFAULT_RESULTS = 100
KEYWORDS = {
    "select",
    "from",
    "where",
    "and",
    "or",
    "in",
    "like",
    "order",
    "orderby",
    "by",
    "asc",
    "desc",
    "startposition",
    "maxresults",
    "count",
    "true",
    "false",
    "iterator",
}
OPERATORS = ("<=", ">=", "=", "<", ">")
EXPECTED_AFTER_CLAUSE = (
    '<EOF> <AND> ... "iterator" ... "maxresults" ... <OR> ... "order" ... "orderby" ... '
    '"startposition" ...'
)
_TOKEN = re.compile(
    r"\s*(?:(?P<str>')|(?P<num>\d+(?:\.\d+)?)|(?P<ident>[A-Za-z_][A-Za-z0-9_.]*)"
    r"|(?P<op><=|>=|!=|<>|[=<>(),*]))"
)

Value = str | float | bool


class QueryParseError(ValueError):
    """The statement does not parse: QBO answers 400 code 4000 "Error parsing query"."""


class QueryValidationError(ValueError):
    """The statement parses but is refused: QBO answers 400 code 4001 "Invalid query"."""


@dataclass(frozen=True)
class Token:
    kind: str  # KEYWORD, IDENTIFIER, STRING, NUMBER, OP, EOF
    text: str
    value: Value
    column: int


@dataclass(frozen=True)
class Condition:
    prop: str
    op: str  # = < > <= >= IN LIKE
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Query:
    entity: str
    count: bool = False
    where: tuple[Condition, ...] = ()
    order: tuple[tuple[str, bool], ...] = ()  # (prop, descending)
    start: int = 1
    max_results: int = DEFAULT_RESULTS
    mentions: frozenset[str] = field(default_factory=frozenset)


def tokenize(text: str) -> list[Token]:
    """Split a statement into tokens, decoding `\\'` and `\\\\` inside string literals."""
    tokens: list[Token] = []
    pos = 0
    try:
        _scan(text, pos, tokens)
    except QueryParseError as error:
        # Intuit's lexer runs lazily: a bad character only matters once the parser reaches it.
        tokens.append(Token("LEXERROR", str(error), "", len(text) + 1))
        return tokens
    tokens.append(Token("EOF", "", "", len(text) + 1))
    return tokens


def _scan(text: str, pos: int, tokens: list[Token]) -> None:
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None:
            column = len(text) - len(text[pos:].lstrip()) + 1
            raise QueryParseError(
                f"QueryParserError: Lexical error at line 1, column {column}.  "
                f'Encountered: "{text[column - 1]}"'
            )
        column = match.start(match.lastgroup or 0) + 1
        if match.group("str"):
            literal, pos = _read_string(text, match.end())
            tokens.append(Token("STRING", literal, literal, column))
            continue
        pos = match.end()
        if (number := match.group("num")) is not None:
            tokens.append(Token("NUMBER", number, float(number), column))
        elif (ident := match.group("ident")) is not None:
            kind = "KEYWORD" if ident.lower() in KEYWORDS else "IDENTIFIER"
            tokens.append(Token(kind, ident, ident, column))
        else:
            tokens.append(Token("OP", match.group("op"), match.group("op"), column))


def _read_string(text: str, pos: int) -> tuple[str, int]:
    chars: list[str] = []
    while pos < len(text):
        char = text[pos]
        if char == "\\" and pos + 1 < len(text) and text[pos + 1] in "'\\":
            chars.append(text[pos + 1])
            pos += 2
        elif char == "'":
            return "".join(chars), pos + 1
        else:
            chars.append(char)
            pos += 1
    raise QueryParseError(
        f"QueryParserError: Lexical error at line 1, column {len(text) + 1}.  "
        f'Encountered: <EOF> after : "\'{"".join(chars)}"'
    )


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.pos = 0

    @property
    def current(self) -> Token:
        token = self.tokens[self.pos]
        if token.kind == "LEXERROR":
            raise QueryParseError(token.text)
        return token

    def fail(self, expected: str) -> QueryParseError:
        token = self.current
        kind = "<EOF>" if token.kind == "EOF" else f"<{token.kind}>"
        if token.kind == "KEYWORD":
            kind = f"<{token.text.upper()}>" if token.text.lower() == "or" else f'"{token.text}"'
        return QueryParseError(
            f'QueryParserError: Encountered " {kind} "{token.text} "" at line 1, '
            f"column {token.column}.\nWas expecting one of:\n    {expected}"
        )

    def accept(self, word: str) -> bool:
        token = self.current
        if token.kind in ("KEYWORD", "OP") and token.text.lower() == word:
            self.pos += 1
            return True
        return False

    def expect(self, word: str, expected: str | None = None) -> None:
        if not self.accept(word):
            raise self.fail(expected or f'"{word}" ...')

    def identifier(self) -> str:
        token = self.current
        if token.kind != "IDENTIFIER":
            raise self.fail("<IDENTIFIER> ...")
        self.pos += 1
        return token.text

    def integer(self) -> int:
        token = self.current
        if token.kind not in ("NUMBER", "STRING") or not str(token.text).isdigit():
            raise self.fail("<INTEGER> ...")
        self.pos += 1
        return int(token.text)

    def value(self) -> Value:
        token = self.current
        if token.kind in ("STRING", "NUMBER"):
            self.pos += 1
            return token.value
        if token.kind == "KEYWORD" and token.text.lower() in ("true", "false"):
            self.pos += 1
            return token.text.lower() == "true"
        raise self.fail("<STRING> ... <NUMBER> ... <BOOLEAN> ...")

    def condition(self) -> Condition:
        prop = self.identifier()
        token = self.current
        if token.kind == "KEYWORD" and token.text.lower() in ("in", "like"):
            self.pos += 1
            if token.text.lower() == "like":
                return Condition(prop, "LIKE", (self.value(),))
            self.expect("(")
            values = [self.value()]
            while self.accept(","):
                values.append(self.value())
            self.expect(")", '")" ...')
            return Condition(prop, "IN", tuple(values))
        if token.kind == "OP" and token.text in OPERATORS:
            self.pos += 1
            return Condition(prop, token.text, (self.value(),))
        raise self.fail('"=" ... "<" ... ">" ... "<=" ... ">=" ... "in" ... "like" ...')

    def parse(self) -> Query:
        self.expect("select", '"select" ...')
        count = False
        if self.accept("count"):
            self.expect("(")
            self.expect("*")
            self.expect(")")
            count = True
        else:
            self.expect("*", '"*" ... "count" ...')
            while self.accept(","):
                self.identifier()  # `SELECT *, Sku` is accepted; rows are always whole
        self.expect("from", '"from" ...')
        entity = self.identifier()
        where: list[Condition] = []
        if self.accept("where"):
            where.append(self.condition())
            while self.accept("and"):
                where.append(self.condition())
        order: list[tuple[str, bool]] = []
        if self.accept("orderby") or (self.accept("order") and self._by()):
            while True:
                prop = self.identifier()
                descending = self.accept("desc")
                if not descending:
                    self.accept("asc")
                order.append((prop, descending))
                if not self.accept(","):
                    break
        start, max_results = 1, DEFAULT_RESULTS
        while self.current.kind == "KEYWORD":
            if self.accept("startposition"):
                start = max(1, self.integer())
            elif self.accept("maxresults"):
                max_results = self.integer()
            else:
                break
        if self.current.kind != "EOF":
            raise self.fail(EXPECTED_AFTER_CLAUSE)
        if max_results > MAX_RESULTS:
            raise QueryValidationError(
                f"QueryValidationError: value {max_results} is too large. "
                f"Max allowed value is {MAX_RESULTS}"
            )
        mentions = frozenset(c.prop.lower() for c in where)
        return Query(entity, count, tuple(where), tuple(order), start, max_results, mentions)

    def _by(self) -> bool:
        self.expect("by", '"by" ...')
        return True


def parse_query(text: str) -> Query:
    """Parse one statement; raise QueryParseError or QueryValidationError like QBO would."""
    return _Parser(text).parse()
