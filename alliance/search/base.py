"""The search interface shared by the backends (Whoosh, PostgreSQL).

A backend receives a :class:`SearchRequest` (the parsed query, sort, page,
chosen facet values) and the :class:`Scope` the policy module computed for the
user, and applies the scope INSIDE the search: results, totals, facet counts,
snippets and suggestions only ever come from documents in scope.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from markupsafe import Markup

from alliance.search.documents import SearchDocument
from alliance.search.query import ParsedQuery

KINDS = ("challenge", "proposal", "startup")
SORTS = ("relevance", "deadline", "newest")
FACETS = ("kind", "theme", "partner", "call", "challenge_status", "trl", "proposal_status")
PER_PAGE = 20


@dataclass(frozen=True)
class Scope:
    """What one user may find (decided by ``policy.search_scope``).

    Always: public documents (published challenges, public start-ups).
    ``everything``: admins. ``startup_id``: that start-up's own proposals (any
    status) and its own profile. ``partner_id``: challenges the partner leads
    or co-sponsors (any status), and the *submitted* proposals to them whose
    deadline is at or before ``now``. ``proposal_ids``: proposals assigned to a
    juror in rounds that are not blind (see ``policy.search_scope``).
    """

    now: datetime
    everything: bool = False
    startup_id: int | None = None
    partner_id: int | None = None
    proposal_ids: frozenset[int] = frozenset()
    # Proposals refused whatever the rules above say (a juror's conflicts).
    excluded_proposal_ids: frozenset[int] = frozenset()

    def allows(self, doc: SearchDocument) -> bool:
        """The same rule in Python, for tests and for checking backends."""
        if self.everything:
            return True
        if doc.kind == "proposal" and doc.object_id in self.excluded_proposal_ids:
            return False
        if doc.public:
            return True
        if doc.kind == "startup":
            return self.startup_id is not None and doc.startup_id == self.startup_id
        if doc.kind == "challenge":
            return self.partner_id is not None and self.partner_id in doc.partner_ids
        # proposals
        if self.startup_id is not None and doc.startup_id == self.startup_id:
            return True
        if doc.object_id in self.proposal_ids:
            return True
        return (
            self.partner_id is not None
            and self.partner_id in doc.partner_ids
            and doc.status == "submitted"
            and doc.deadline is not None
            and doc.deadline <= self.now
        )


@dataclass
class SearchRequest:
    query: ParsedQuery
    sort: str = "relevance"
    page: int = 1
    per_page: int = PER_PAGE
    # Facet values chosen by clicking (ANDed with the query): {"theme": "mobility"}
    selected: dict[str, str] = field(default_factory=dict)
    kinds: tuple[str, ...] = KINDS  # restrict to some kinds (e.g. the admin proposal list)
    expand_translations: bool = True
    with_facets: bool = True
    with_snippets: bool = True


@dataclass
class Hit:
    kind: str
    object_id: int
    title: str
    snippet: Markup  # highlighted, escaped HTML (only <mark> tags are ours)
    score: float = 0.0
    via_translation: list[str] = field(default_factory=list)  # e.g. ["mobility → mobilità"]
    # Display fields taken from the document (no extra SQL per hit):
    subtitle: str = ""
    status: str = ""
    deadline: datetime | None = None
    # What the object's URL is built from (SearchDocument.url_key): the slug of a
    # challenge or start-up, the id of a proposal; "" makes the page use /search/go/.
    url_key: str = ""


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class SearchResults:
    hits: list[Hit]
    total: int
    page: int
    per_page: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    suggestion: str | None = None  # "did you mean": a corrected query string
    warnings: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


class SearchBackend(ABC):
    """What every backend implements."""

    name: str

    @abstractmethod
    def search(self, request: SearchRequest, scope: Scope) -> SearchResults: ...

    @abstractmethod
    def similar(self, kind: str, object_id: int, scope: Scope, limit: int = 5) -> list[Hit]:
        """The documents most similar to one (same kind), in scope, itself excluded."""

    @abstractmethod
    def write(self, documents: Iterable[SearchDocument], deleted: Iterable[str] = ()) -> None:
        """Add or replace ``documents`` and remove the ``deleted`` keys."""

    @abstractmethod
    def rebuild(self, documents: Iterator[SearchDocument], total: int, progress=None) -> int:
        """Replace the whole index; ``progress(n)`` is called as documents go in."""

    @abstractmethod
    def fingerprints(self) -> dict[str, str]:
        """Every indexed key with the fingerprint of the document indexed for it."""

    @contextmanager
    def batch(self, timeout: float = 0.05):
        """Hold the index for writing while the caller reads what to write.

        Yields an object with ``write(documents, deleted)``. A backend whose writes
        can race (Whoosh: one writer at a time, several processes) takes its lock
        here, so that documents read from the database inside the block are never
        older than what another process wrote before; it raises when the lock
        cannot be had within ``timeout``.
        """
        yield self

    def close(self) -> None:  # noqa: B027 - optional, most backends hold nothing
        """Release what the backend holds (files, searchers)."""
