"""The search query language, parsed once into a small tree that each backend
compiles to its own query.

    heat pumps                  both words (AND is the default)
    "district heating"          an exact phrase
    mobility OR traffic         either word
    sensors NOT camera, -camera without the word
    sens*                       a prefix
    (bus OR tram) AND depot     grouping
    theme:mobility partner:enel-x call:cybersecurecity-2026
    status:open  kind:proposal  trl:>=6  trl:4..7  city:milano  sector:energy

A malformed query never fails: what cannot be read as syntax is searched as
words, and :attr:`ParsedQuery.warnings` says what was done.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

# -- the tree -----------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    text: str  # lower-cased as typed (backends analyse it)
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]


@dataclass(frozen=True)
class Filter:
    field: str  # one of FILTER_FIELDS
    op: str  # "=", ">=", "<=", ">", "<", "range"
    value: str | int | tuple[int, int]


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class Translated:
    """A query part and its translations from the glossary (made by
    :func:`alliance.search.glossary.expand`, never by the parser).

    Backends compile it as ``Or(original, *alternatives)``. ``original`` is the
    sub-tree as the user typed it: a :class:`Term`, a :class:`Phrase`, or an
    :class:`And` of consecutive Terms that together form a glossary entry
    (``district heating`` typed as two words: ``And(Term, Term)``, kept as AND,
    not made into a phrase). ``alternatives`` are Terms or Phrases whose every
    word is one run of letters/digits (the glossary's "e-bus" is
    ``Phrase(("e", "bus"))``).
    A hit that matches an alternative but not the original was found "via
    translation": report it with ``glossary.describe(node)`` ("mobility →
    mobilità"). It may appear under a Not (the negation excludes both languages).
    """

    original: Node
    alternatives: tuple[Term | Phrase, ...]


Node = Term | Phrase | Filter | And | Or | Not | Translated

FILTER_FIELDS = {
    "kind": ("challenge", "proposal", "startup"),
    "theme": None,  # a theme slug
    "sector": None,  # a theme slug, for start-ups
    "partner": None,  # a partner slug (lead or co-sponsor)
    "call": None,  # a call slug
    "status": None,  # open/closed/upcoming or a stored status
    "trl": "int",
    "city": None,
    "challenge": None,  # a challenge slug (proposals)
}
ALIASES = {"tema": "theme", "settore": "sector", "bando": "call", "stato": "status",
           "tipo": "kind", "citta": "city", "città": "city", "sfida": "challenge"}


@dataclass
class ParsedQuery:
    root: Node | None  # None: no words and no filters (everything in scope)
    warnings: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return self.root is None

    def terms(self) -> list[Term | Phrase]:
        """The positive words and phrases (for highlighting, spelling, translation)."""
        found: list[Term | Phrase] = []

        def walk(node, negated=False):
            if isinstance(node, (Term, Phrase)) and not negated:
                found.append(node)
            elif isinstance(node, (And, Or)):
                for child in node.children:
                    walk(child, negated)
            elif isinstance(node, Not):
                walk(node.child, not negated)
            elif isinstance(node, Translated):  # the words as typed, not their translations
                walk(node.original, negated)

        if self.root is not None:
            walk(self.root)
        return found

    def filters(self) -> list[Filter]:
        found: list[Filter] = []

        def walk(node):
            if isinstance(node, Filter):
                found.append(node)
            elif isinstance(node, (And, Or)):
                for child in node.children:
                    walk(child)
            elif isinstance(node, Not):
                walk(node.child)

        if self.root is not None:
            walk(self.root)
        return found


# -- the parser ---------------------------------------------------------------

_TOKEN = re.compile(
    r'\s*(?:(?P<lpar>\()|(?P<rpar>\))'
    r'|(?P<neg>-)?(?P<field>[^\W\d_][\w]*):(?P<fvalue>"[^"]*"|[^\s()"]+)'
    r'|(?P<empty>[^\W\d_][\w]*):(?=[\s()]|$)'
    r'|(?P<phrase>-?"[^"]*")'
    r'|(?P<word>[^\s()"]+))',
    re.UNICODE,
)
_TRL = re.compile(r"^(?P<op>>=|<=|>|<|=)?(?P<n>\d)$|^(?P<lo>\d)\.\.(?P<hi>\d)$")
_WORD_CHARS = re.compile(r"[\w'’-]+", re.UNICODE)


def parse(text: str | None, *, max_length: int = 500) -> ParsedQuery:
    """Parse ``text``; never raises."""
    warnings: list[str] = []
    text = (text or "").strip()
    if len(text) > max_length:
        text = text[:max_length]
        warnings.append(_l("The query was cut to %(n)d characters.", n=max_length))
    if text.count('"') % 2:
        text = text.replace('"', " ")
        warnings.append(_l("A quotation mark was not closed: the words were searched one by one."))
    if text.count("(") != text.count(")"):
        text = text.replace("(", " ").replace(")", " ")
        warnings.append(_l("Brackets did not match: they were ignored."))
    tokens = _tokenize(text, warnings)
    parser = _Parser(tokens, warnings)
    root = parser.parse()
    return ParsedQuery(root=root, warnings=warnings)


def _tokenize(text: str, warnings: list[str]) -> list[tuple[str, object]]:
    tokens: list[tuple[str, object]] = []
    for match in _TOKEN.finditer(text):
        if match.group("lpar"):
            tokens.append(("(", None))
        elif match.group("rpar"):
            tokens.append((")", None))
        elif match.group("field"):
            node = _filter(match.group("field"), match.group("fvalue"), warnings)
            if node is _INVALID:  # a known filter with a bad value: dropped, and said
                continue
            if node is None:  # unknown field: search what was typed as words
                for word in _words(match.group(0)):
                    tokens.append(("node", Term(word)))
            else:
                if match.group("neg"):  # -theme:mobility
                    tokens.append(("NOT", None))
                tokens.append(("node", node))
        elif match.group("empty"):
            name = match.group("empty")
            if ALIASES.get(name.lower(), name.lower()) in FILTER_FIELDS:
                warnings.append(_l("The filter “%(name)s:” has no value.", name=name))
            else:
                tokens.append(("node", Term(name.lower())))
        elif match.group("phrase"):
            raw = match.group("phrase")
            negated = raw.startswith("-")
            words = tuple(_words(raw.strip('-"')))
            if not words:
                continue
            node = Phrase(words) if len(words) > 1 else Term(words[0])
            if negated:
                tokens.append(("NOT", None))
            tokens.append(("node", node))
        else:
            word = match.group("word")
            if word in ("AND", "OR", "NOT"):
                tokens.append((word, None))
                continue
            negated = word.startswith("-") and len(word) > 1
            if negated:
                word = word[1:]
            prefix = word.endswith("*")
            pieces = _words(word)
            if not pieces:
                continue
            if negated:
                tokens.append(("NOT", None))
            if len(pieces) == 1:
                tokens.append(("node", Term(pieces[0], prefix=prefix and len(pieces[0]) >= 2)))
            else:  # "e-bus", "d.lgs" : the pieces in order
                tokens.append(("node", Phrase(tuple(pieces))))
    return tokens


def _words(text: str) -> list[str]:
    return [w.strip("'’-").lower() for w in _WORD_CHARS.findall(text) if w.strip("'’-_")]


_INVALID = object()


def _filter(name: str, raw: str, warnings: list[str]):
    """A Filter; None for an unknown field; ``_INVALID`` for a bad value."""
    field_name = ALIASES.get(name.lower(), name.lower())
    if field_name not in FILTER_FIELDS:
        warnings.append(_l("“%(name)s:” is not a filter: it was searched as a word.", name=name))
        return None
    value = raw.strip('"').strip().lower()
    if not value:
        warnings.append(_l("The filter “%(name)s:” has no value.", name=name))
        return _INVALID
    kind = FILTER_FIELDS[field_name]
    if kind == "int":
        match = _TRL.match(value)
        if not match:
            warnings.append(_l("“%(value)s” is not a TRL: write trl:6, trl:>=6 or trl:4..7.",
                               value=value))
            return _INVALID
        if match.group("lo"):
            lo, hi = sorted((int(match.group("lo")), int(match.group("hi"))))
            return Filter(field_name, "range", (lo, hi))
        return Filter(field_name, match.group("op") or "=", int(match.group("n")))
    if isinstance(kind, tuple) and value not in kind:
        warnings.append(_l("“%(value)s” is not a kind: use %(choices)s.", value=value,
                           choices=", ".join(kind)))
        return _INVALID
    return Filter(field_name, "=", value)


class _Parser:
    """OR binds loosest, then AND (also implicit), then NOT."""

    def __init__(self, tokens, warnings):
        self.tokens = tokens
        self.pos = 0
        self.warnings = warnings

    def peek(self):
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def take(self):
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> Node | None:
        node = self.parse_or()
        while self.pos < len(self.tokens):  # a stray ")" or operator: skip it
            self.take()
            more = self.parse_or()
            node = _join(And, [node, more])
        return node

    def parse_or(self):
        children = [self.parse_and()]
        while self.peek() == "OR":
            self.take()
            children.append(self.parse_and())
        return _join(Or, children)

    def parse_and(self):
        children = []
        while self.peek() not in (None, ")", "OR"):
            if self.peek() == "AND":
                self.take()
                continue
            children.append(self.parse_not())
        return _join(And, children)

    def parse_not(self):
        if self.peek() == "NOT":
            self.take()
            if self.peek() in (None, ")", "OR", "AND"):
                return None  # a dangling NOT
            child = self.parse_not()
            return Not(child) if child is not None else None
        if self.peek() is None:
            return None
        kind, value = self.take()
        if kind == "(":
            node = self.parse_or()
            if self.peek() == ")":
                self.take()
            return node
        if kind == "node":
            return value
        return None  # a lone ")" or a dangling operator


def _join(cls, children):
    children = [c for c in children if c is not None]
    # A query made only of negations has nothing to subtract from: keep it as is,
    # backends treat a top-level NOT as "everything in scope except".
    if not children:
        return None
    if len(children) == 1:
        return children[0]
    flat = []
    for child in children:
        flat.extend(child.children if isinstance(child, cls) else [child])
    return cls(tuple(flat))


# -- back to text ---------------------------------------------------------------

def to_text(node) -> str:
    """The tree written back in the query language."""
    if node is None:
        return ""
    if isinstance(node, Term):
        return node.text + ("*" if node.prefix else "")
    if isinstance(node, Phrase):
        return '"' + " ".join(node.words) + '"'
    if isinstance(node, Filter):
        if node.op == "range":
            return f"{node.field}:{node.value[0]}..{node.value[1]}"
        value = str(node.value)
        if " " in value:
            value = f'"{value}"'
        return f"{node.field}:{'' if node.op == '=' else node.op}{value}"
    if isinstance(node, Not):
        inner = to_text(node.child)
        return f"NOT ({inner})" if isinstance(node.child, (And, Or)) else f"NOT {inner}"
    if isinstance(node, And):
        return " ".join(f"({to_text(c)})" if isinstance(c, Or) else to_text(c)
                        for c in node.children)
    if isinstance(node, Or):
        return " OR ".join(to_text(c) for c in node.children)
    if isinstance(node, Translated):
        return to_text(node.original)
    return ""


def replace_words(node, fixes: dict[str, str]):
    """The tree with some words corrected (for "did you mean")."""
    if isinstance(node, Term) and not node.prefix and node.text in fixes:
        return Term(fixes[node.text])
    if isinstance(node, Phrase):
        return Phrase(tuple(fixes.get(w, w) for w in node.words))
    if isinstance(node, (And, Or)):
        return type(node)(tuple(replace_words(c, fixes) for c in node.children))
    if isinstance(node, Not):
        return Not(replace_words(node.child, fixes))
    return node
