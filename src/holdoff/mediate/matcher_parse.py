"""The two readings of Alertmanager's matcher text, written from its documented behaviour.

Alertmanager (0.27 and later, default mode) reads every matcher string twice: with its *classic*
parser (``pkg/labels``, the rules of Alertmanager up to 0.26) and with its *UTF-8* parser
(``matcher/parse``, the grammar it is moving to). :func:`holdoff.mediate.matchers.read_matchers`
combines the two the way Alertmanager does; this module only knows the syntax of each, so it
imports nothing else of Holdoff and knows nothing about regular expressions.

Both readings return :class:`Parsed` triples with the column (1-based, in characters) where each
matcher starts, or raise :class:`MatcherSyntaxError` naming what is wrong and the column.

The **classic** reading:

- one optional ``{`` at the very start and one optional ``}`` at the very end are dropped, each on
  its own (so ``{a="b"`` and ``}`` are read; whitespace before ``{`` keeps it from being dropped);
- the rest is cut at commas outside double quotes (``\\"`` does not end a quoted part); a last
  piece that is only whitespace is ignored, which is how a trailing comma is allowed;
- each piece is ``name op value`` with optional whitespace around each part; the name is
  ``[a-zA-Z_:][a-zA-Z0-9_:]*``, the value runs to the end of the piece (trailing whitespace
  dropped) and may be empty, in double quotes or not;
- in the value ``\\n`` is a line break, ``\\"`` a quote and ``\\\\`` a backslash; any other
  backslash is kept as it is (``\\d`` stays ``\\d``); an unescaped ``"`` may only open and close it.

The **UTF-8** reading is a small grammar of tokens: ``{``, ``}``, ``,``, the operators, quoted
text, and unquoted text (a run of characters other than whitespace and ``{}!=~,\\"'```). A name
and a value are each quoted or unquoted text; quoted text follows Go's string escapes (``\\n``,
``\\t``, ``\\"``, ``\\\\``, ``\\x41``, ``\\u00e9``, ``\\U0001f642``, octal ``\\101``); any other escape,
or a line break inside the quotes, is refused. Braces are optional but must pair; a comma may
follow the last matcher.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

GO_SPACE = frozenset("\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | frozenset(
    chr(code) for code in range(0x2000, 0x200B)
)
"""What Go's ``unicode.IsSpace`` calls whitespace (Python's ``str.isspace`` adds ``\\x1c``-``\\x1f``)."""

RESERVED = frozenset("{}!=~,\\\"'`")
"""Besides whitespace, the characters unquoted text cannot hold in the UTF-8 reading."""

_CLASSIC_SPACE = "[\t\n\f\r ]*"  # RE2's \s: ASCII only, without \v
_CLASSIC_MATCHER = re.compile(
    f"{_CLASSIC_SPACE}([a-zA-Z_:][a-zA-Z0-9_:]*){_CLASSIC_SPACE}(=~|=|!=|!~){_CLASSIC_SPACE}(.*?){_CLASSIC_SPACE}",
    re.DOTALL,
)
_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_SIMPLE_ESCAPES |= {"\\": "\\", '"': '"'}
_HEX_DIGITS = {"x": 2, "u": 4, "U": 8}
_HEX = frozenset("0123456789abcdefABCDEF")
_OCTAL = frozenset("01234567")
_QUOTE_AS = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


class MatcherSyntaxError(ValueError):
    """Text that is not matchers in this reading; ``column`` is 1-based, in characters."""

    def __init__(self, column: int, problem: str) -> None:
        super().__init__(f"at column {column}: {problem}")
        self.column = column
        self.problem = problem


@dataclass(frozen=True)
class Parsed:
    name: str
    op: str
    value: str
    column: int
    """Where the matcher starts in the text read (1-based)."""


def go_strip(text: str) -> tuple[str, int]:
    """``text`` without leading and trailing Go whitespace, and how many characters went at the start."""
    start, end = 0, len(text)
    while start < end and text[start] in GO_SPACE:
        start += 1
    while end > start and text[end - 1] in GO_SPACE:
        end -= 1
    return text[start:end], start


def _shown(text: str) -> str:
    return "end of input" if not text else repr(text if len(text) <= 40 else text[:37] + "...")


# -- classic -----------------------------------------------------------------------------------


def classic_matchers(text: str) -> list[Parsed]:
    """Alertmanager's classic ``ParseMatchers``: braces each optional, commas outside quotes."""
    offset = 1 if text.startswith("{") else 0
    body = text[offset:]
    if body.endswith("}"):
        body = body[:-1]
    pieces: list[tuple[str, int]] = []
    inside_quotes = escaped = False
    start = 0
    for index, char in enumerate(body):
        if char == "," and not inside_quotes:
            pieces.append((body[start:index], offset + start))
            start = index + 1
            continue  # a separating comma leaves the escape state as it was
        if char == '"':
            if escaped:
                escaped = False
            else:
                inside_quotes = not inside_quotes
        elif char == "\\":
            escaped = not escaped
        elif char != ",":
            escaped = False
    last, stripped = go_strip(body[start:])
    if last:
        pieces.append((last, offset + start + stripped))
    return [classic_matcher(piece, column=at + 1) for piece, at in pieces]


def classic_matcher(piece: str, column: int = 1) -> Parsed:
    """Alertmanager's classic ``ParseMatcher`` of one ``name op value`` (``column``: where it starts)."""
    found = _CLASSIC_MATCHER.fullmatch(piece)
    if found is None:
        raise MatcherSyntaxError(column, f"{_shown(piece)} is not name, operator (=, !=, =~ or !~) and value")
    name, op, raw = found.group(1), found.group(2), found.group(3)
    at = column + found.start(3)
    quoted = raw.startswith('"')
    body = raw[1:] if quoted else raw
    open_quote = quoted
    value: list[str] = []
    escaped = False
    last = len(body) - 1
    for index, char in enumerate(body):
        if escaped:
            escaped = False
            if char == "n":
                value.append("\n")
            elif char in '"\\':
                value.append(char)
            else:
                value.append("\\" + char)  # not an escape: the backslash stays
        elif char == "\\":
            if index < last:
                escaped = True
            else:
                value.append("\\")
        elif char == '"':
            if not open_quote or index < last:
                raise MatcherSyntaxError(
                    at, f'the value {_shown(raw)} holds a double quote; write \\" inside quotes'
                )
            open_quote = False
        else:
            value.append(char)
    if open_quote:
        raise MatcherSyntaxError(at, f"the value {_shown(raw)} opens a double quote it never closes")
    return Parsed(name, op, "".join(value), column + found.start(1))


# -- UTF-8 -------------------------------------------------------------------------------------

_OPEN, _CLOSE, _COMMA, _OP, _QUOTED, _UNQUOTED, _END = "{", "}", ",", "op", "quoted", "unquoted", "end"


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int  # 0-based index of the first character

    @property
    def column(self) -> int:
        return self.start + 1


def _tokens(text: str) -> Iterator[_Token]:
    """The UTF-8 reading's tokens; a character no token can start with is an error when reached."""
    index, size = 0, len(text)
    while index < size:
        char = text[index]
        if char in GO_SPACE:
            index += 1
        elif char in "{},":
            yield _Token(char, char, index)
            index += 1
        elif char in "=!":
            follower = text[index + 1 : index + 2]
            if follower == "~" or (char == "!" and follower == "="):
                yield _Token(_OP, char + follower, index)
                index += 2
            elif char == "=":
                yield _Token(_OP, "=", index)
                index += 1
            else:
                raise MatcherSyntaxError(index + 1, "'!' must be followed by '=' or '~'")
        elif char == '"':
            end = index + 1
            while end < size and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            if end >= size:
                raise MatcherSyntaxError(index + 1, "the double quote opened here is never closed")
            yield _Token(_QUOTED, text[index : end + 1], index)
            index = end + 1
        elif char in RESERVED:
            raise MatcherSyntaxError(
                index + 1, f"unexpected {char!r}; put values holding it in double quotes"
            )
        else:
            end = index + 1
            while end < size and text[end] not in RESERVED and text[end] not in GO_SPACE:
                end += 1
            yield _Token(_UNQUOTED, text[index:end], index)
            index = end
    yield _Token(_END, "", size)


class _Reader:
    """One token of look-ahead over :func:`_tokens`."""

    def __init__(self, text: str) -> None:
        self._tokens = _tokens(text)
        self._next: _Token | None = None

    def peek(self) -> _Token:
        if self._next is None:
            self._next = next(self._tokens)
        return self._next

    def take(self) -> _Token:
        token = self.peek()
        if token.kind != _END:
            self._next = None
        return token


def utf8_matchers(text: str) -> list[Parsed]:
    """Alertmanager's UTF-8 ``parse.Matchers``: ``[{] [matcher {, matcher} [,]] [}]``, braces paired."""
    reader = _Reader(text)
    found: list[Parsed] = []
    first = reader.peek()
    braced = first.kind == _OPEN
    if braced:
        reader.take()
    elif first.kind == _CLOSE:
        raise MatcherSyntaxError(first.column, "'}' without an opening '{'")
    if reader.peek().kind not in (_CLOSE, _END):
        while True:
            found.append(_utf8_matcher(reader))
            after = reader.peek()
            if after.kind == _COMMA:
                reader.take()
                after = reader.peek()
                if after.kind in (_CLOSE, _END):
                    break
                if after.kind not in (_QUOTED, _UNQUOTED):
                    raise MatcherSyntaxError(
                        after.column, f"expected a matcher or '}}' after ',', found {_shown(after.text)}"
                    )
                continue
            if after.kind in (_CLOSE, _END):
                break
            raise MatcherSyntaxError(
                after.column, f"expected ',' or '}}' after a matcher, found {_shown(after.text)}"
            )
    closing = reader.take()
    if braced and closing.kind != _CLOSE:
        raise MatcherSyntaxError(
            closing.column, f"the '{{' at column {first.column} is never closed with '}}'"
        )
    if not braced and closing.kind == _CLOSE:
        raise MatcherSyntaxError(closing.column, "'}' without an opening '{'")
    rest = reader.take() if braced else closing
    if rest.kind != _END:
        raise MatcherSyntaxError(rest.column, f"expected the end after '}}', found {_shown(rest.text)}")
    return found


def _utf8_matcher(reader: _Reader) -> Parsed:
    name = reader.take()
    if name.kind not in (_QUOTED, _UNQUOTED):
        raise MatcherSyntaxError(name.column, f"expected a label name, found {_shown(name.text)}")
    op = reader.take()
    if op.kind != _OP:
        hint = ""
        if name.kind == _QUOTED and "=" in name.text:
            hint = '; is the whole matcher in quotes? Only the name and the value may be: foo="bar"'
        raise MatcherSyntaxError(
            op.column,
            f"expected an operator (=, !=, =~ or !~) after {_shown(name.text)}, found "
            f"{_shown(op.text)}{hint}",
        )
    value = reader.take()
    if value.kind not in (_QUOTED, _UNQUOTED):
        raise MatcherSyntaxError(
            value.column, f"expected a value after {op.text!r}, found {_shown(value.text)}"
        )
    return Parsed(_token_text(name), op.text, _token_text(value), name.column)


def _token_text(token: _Token) -> str:
    return go_unquote(token.text, token.start) if token.kind == _QUOTED else token.text


def go_unquote(quoted: str, start: int = 0) -> str:
    """The text of a Go double-quoted string literal (``quoted`` includes the quotes).

    ``start`` is the literal's 0-based position in the whole input, for the column in errors.
    """
    out = bytearray()
    body = quoted[1:-1]
    index = 0
    while index < len(body):
        char = body[index]
        column = start + 2 + index
        if char == "\n":
            raise MatcherSyntaxError(column, "a line break inside double quotes; write \\n instead")
        if char != "\\":
            out += char.encode("utf-8", "surrogatepass")
            index += 1
            continue
        code = body[index + 1 : index + 2]
        if code in _SIMPLE_ESCAPES:
            out += _SIMPLE_ESCAPES[code].encode()
            index += 2
        elif code in _HEX_DIGITS:
            width = _HEX_DIGITS[code]
            escape = body[index : index + 2 + width]
            digits = escape[2:]
            if len(digits) != width or not set(digits) <= _HEX:
                raise MatcherSyntaxError(column, f"{escape!r} needs {width} hexadecimal digits")
            number = int(digits, 16)
            if code == "x":
                out.append(number)  # a single byte, as in Go
            elif number > 0x10FFFF or 0xD800 <= number <= 0xDFFF:
                raise MatcherSyntaxError(column, f"{escape!r} is not a Unicode character")
            else:
                out += chr(number).encode()
            index += len(escape)
        elif code and code in _OCTAL:
            escape = body[index : index + 4]
            digits = escape[1:]
            if len(digits) != 3 or not set(digits) <= _OCTAL or int(digits, 8) > 255:
                raise MatcherSyntaxError(column, f"{escape!r} needs three octal digits up to \\377")
            out.append(int(digits, 8))  # a single byte, as in Go
            index += len(escape)
        else:
            raise MatcherSyntaxError(
                column,
                f"'\\{code}' is not an escape in double-quoted text here; write '\\\\{code}' for a backslash",
            )
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        raise MatcherSyntaxError(start + 1, f"{_shown(quoted)} spells bytes that are not UTF-8") from None


def go_quote(text: str) -> str:
    """``text`` as a Go double-quoted literal (as Go's ``strconv.Quote`` writes it)."""
    parts = ['"']
    for char in text:
        if char in '"\\':
            parts.append("\\" + char)
        elif char in _QUOTE_AS:
            parts.append(_QUOTE_AS[char])
        elif char.isprintable():
            parts.append(char)
        elif ord(char) < 0x80:
            parts.append(f"\\x{ord(char):02x}")
        elif ord(char) < 0x10000:
            parts.append(f"\\u{ord(char):04x}")
        else:
            parts.append(f"\\U{ord(char):08x}")
    parts.append('"')
    return "".join(parts)


def openmetrics_quote(text: str) -> str:
    """``text`` in double quotes with only ``\\``, a line break and ``"`` escaped (OpenMetrics)."""
    return '"' + text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"') + '"'


def needs_quoted_name(name: str) -> bool:
    """Whether a label name must be written in quotes (it holds whitespace or a reserved character)."""
    return any(char in RESERVED or char in GO_SPACE for char in name)
