"""A recursive-descent parser for the supported regex subset, with positioned errors.

Supported (the meaning is that of Python's ``re.fullmatch``):

======================  =====================================================
``a``, ``7``            a symbol: an ASCII letter or digit
``xy``                  concatenation
``x|y``                 alternation
``x*``, ``x+``, ``x?``  zero or more, one or more, zero or one
``x{m}``, ``x{m,}``,    bounded repetition (m, n at most ``MAX_REPEAT``)
``x{m,n}``
``(x)``                 grouping
``[abc]``, ``[a-c0-3]`` character classes of symbols and ranges
======================  =====================================================

A quantifier may carry Python's lazy modifier (``x*?``, ``x+?``, ``x??``, ``x{m,n}?``): for
``fullmatch`` a lazy repetition matches the same strings as a greedy one, so it means the same.
Possessive quantifiers (``x*+``, ``x++``, ``x?+``, ``x{m,n}+``) are refused with their position,
and a quantifier stacked on another (``x**``, ``x{2}*``, ``x*?+``) is invalid, as in Python
("multiple repeat").

Not supported, reported as :class:`~regscale.errors.UnsupportedSyntaxError` with the position:
the wildcard ``.``, anchors ``^`` ``$``, escapes and shorthand classes (``\\d``), negated
classes ``[^...]``, non-capturing or look-around groups ``(?...)``, back-references, and any
symbol outside ASCII letters and digits (spaces included). Empty alternatives (``a|``) and
empty groups (``()``) are rejected as invalid: write ``a?`` instead.
"""

from __future__ import annotations

from regscale.automata.regex_ast import CharClass, Concat, Node, Repeat, Symbol, Union
from regscale.errors import InvalidRegexError, UnsupportedSyntaxError

MAX_REPEAT = 1000
"""Largest bound allowed in ``{m,n}``; larger bounds are a regex bomb, not a language."""

_SYMBOLS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_UNSUPPORTED = {
    ".": "the wildcard '.'",
    "^": "the anchor '^'",
    "$": "the anchor '$'",
    "\\": "escapes",
}


def parse_regex(pattern: str) -> Node:
    """Parse ``pattern`` into a syntax tree.

    Parameters
    ----------
    pattern
        A regex in the supported subset (module docstring).

    Returns
    -------
    Node
        The syntax tree.

    Raises
    ------
    InvalidRegexError
        Malformed pattern; the message gives the 0-based character position.
    UnsupportedSyntaxError
        Syntax outside the subset; the message gives the position.
    """
    depth = 0
    for position, char in enumerate(pattern):
        depth += (char == "(") - (char == ")")
        if depth > MAX_NESTING:
            raise InvalidRegexError(f"invalid regex at position {position}: groups nest more "
                                    f"than {MAX_NESTING} deep")
    return _Parser(pattern).parse()


MAX_NESTING = 100
"""Deepest nesting of groups a regex may have (the parser and the tree walks recurse)."""


class _Parser:
    def __init__(self, pattern: str) -> None:
        self.text = pattern
        self.pos = 0

    def fail(self, message: str, pos: int | None = None) -> InvalidRegexError:
        at = self.pos if pos is None else pos
        return InvalidRegexError(f"invalid regex {self.text!r} at position {at}: {message}")

    def unsupported(self, what: str) -> UnsupportedSyntaxError:
        return UnsupportedSyntaxError(
            f"unsupported regex syntax in {self.text!r} at position {self.pos}: {what} "
            "(supported: symbols [A-Za-z0-9], concatenation, |, *, +, ?, {m,n}, (), [a-c])"
        )

    def peek(self) -> str | None:
        return self.text[self.pos] if self.pos < len(self.text) else None

    def parse(self) -> Node:
        if not self.text:
            raise self.fail("the pattern is empty")
        node = self.union()
        if self.peek() == ")":
            raise self.fail("unmatched ')'")
        if self.pos != len(self.text):  # pragma: no cover - every other stop is handled above
            raise self.fail(f"unexpected {self.peek()!r}")
        return node

    def union(self) -> Node:
        options = [self.concat()]
        while self.peek() == "|":
            self.pos += 1
            options.append(self.concat())
        return options[0] if len(options) == 1 else Union(tuple(options))

    def concat(self) -> Node:
        parts: list[Node] = []
        while (c := self.peek()) is not None and c not in "|)":
            parts.append(self.repeat())
        if not parts:
            where = "at the end" if self.peek() is None else f"before {self.peek()!r}"
            raise self.fail(f"empty alternative or group {where} (use '?' for optional parts)")
        return parts[0] if len(parts) == 1 else Concat(tuple(parts))

    def repeat(self) -> Node:
        node = self.atom()
        if (c := self.peek()) is None or c not in "*+?{":
            return node
        at = self.pos
        if c == "{":
            lo, hi = self.bounds()
        else:
            self.pos += 1
            lo, hi = {"*": (0, None), "+": (1, None), "?": (0, 1)}[c]
        quantifier = self.text[at:self.pos]
        modifier = c if (c := self.peek()) is not None and c in "?+" else ""
        self.pos += len(modifier)  # '?' is lazy: for fullmatch the same strings as greedy
        if (c := self.peek()) is not None and c in "*+?{":
            raise self.fail(f"multiple repeat: '{c}' repeats the quantifier "
                            f"'{quantifier}{modifier}' (group it: '(x{quantifier}){c}')")
        if modifier == "+":
            raise UnsupportedSyntaxError(
                f"unsupported regex syntax in {self.text!r} at position {self.pos - 1}: the "
                f"possessive quantifier '{quantifier}+' (write '{quantifier}' for the greedy "
                "one; a possessive repetition can match fewer strings)")
        return Repeat(node, lo, hi)

    def bounds(self) -> tuple[int, int | None]:
        start = self.pos
        close = self.text.find("}", start)
        if close < 0:
            raise self.fail("'{' without a closing '}'")
        body = self.text[start + 1 : close]
        lo_text, sep, hi_text = body.partition(",")
        if not lo_text.isdigit() or (hi_text and not hi_text.isdigit()):
            raise self.fail(f"repetition '{{{body}}}' must be {{m}}, {{m,}} or {{m,n}}")
        lo = int(lo_text)
        hi: int | None = (int(hi_text) if hi_text else None) if sep else lo
        if hi is not None and hi < lo:
            raise self.fail(f"repetition '{{{body}}}' has upper bound below lower bound")
        if max(lo, hi or 0) > MAX_REPEAT:
            raise self.fail(f"repetition bound in '{{{body}}}' exceeds the limit {MAX_REPEAT}")
        self.pos = close + 1
        return lo, hi

    def atom(self) -> Node:
        c = self.peek()
        assert c is not None
        if c == "(":
            if self.text.startswith("(?", self.pos):
                raise self.unsupported("groups of the form '(?...)'")
            open_at = self.pos
            self.pos += 1
            node = self.union()
            if self.peek() != ")":
                raise self.fail("'(' is never closed", open_at)
            self.pos += 1
            return node
        if c == "[":
            return self.char_class()
        if c in "*+?{":
            raise self.fail(f"{c!r} has nothing to repeat")
        if c in "]}":
            raise self.fail(f"unmatched {c!r}")
        if c in _UNSUPPORTED:
            raise self.unsupported(_UNSUPPORTED[c])
        if c not in _SYMBOLS:
            raise self.unsupported(f"the character {c!r} (symbols are ASCII letters and digits)")
        self.pos += 1
        return Symbol(c)

    def char_class(self) -> Node:
        open_at = self.pos
        self.pos += 1
        if self.peek() == "^":
            raise self.unsupported("negated character classes '[^...]'")
        chars: list[str] = []
        while (c := self.peek()) != "]":
            if c is None:
                raise self.fail("'[' is never closed", open_at)
            if c not in _SYMBOLS:
                raise self.unsupported(f"the character {c!r} inside a class")
            if self.text.startswith("-", self.pos + 1) and self.pos + 2 < len(self.text) \
                    and self.text[self.pos + 2] != "]":
                end = self.text[self.pos + 2]
                if end not in _SYMBOLS:
                    self.pos += 2
                    raise self.unsupported(f"the character {end!r} inside a class")
                if end < c or not (c.isdigit() == end.isdigit() and c.isupper() == end.isupper()):
                    raise self.fail(f"bad class range '{c}-{end}'")
                chars.extend(chr(i) for i in range(ord(c), ord(end) + 1))
                self.pos += 3
            else:
                chars.append(c)
                self.pos += 1
        if not chars:
            raise self.fail("empty character class '[]'", open_at)
        self.pos += 1
        unique = tuple(sorted(set(chars)))
        return Symbol(unique[0]) if len(unique) == 1 else CharClass(unique)
