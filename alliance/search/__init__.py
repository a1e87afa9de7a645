"""Full-text search over challenges, proposals and start-ups.

One interface (:mod:`alliance.search.base`), two backends chosen by
``SEARCH_BACKEND``: ``whoosh`` (default; index under ``instance/``) and
``postgres`` (PostgreSQL full-text search). The index follows the database
through :mod:`alliance.search.sync`; the database is the truth and
``flask search rebuild`` can always rebuild the index from it.
"""
from __future__ import annotations

from flask import current_app

from alliance.search.base import SearchBackend, SearchRequest, SearchResults


def get_backend(app=None) -> SearchBackend:
    """The application's backend, created once per application."""
    app = app or current_app._get_current_object()
    backend = app.extensions.get("alliance_search")
    if backend is None:
        name = app.config["SEARCH_BACKEND"]
        if name == "whoosh":
            from alliance.search.whoosh_backend import WhooshBackend

            backend = WhooshBackend(app.config["WHOOSH_INDEX_DIR"])
        elif name == "postgres":
            from alliance.search.postgres_backend import PostgresBackend

            backend = PostgresBackend()
        else:
            raise RuntimeError(f"SEARCH_BACKEND must be 'whoosh' or 'postgres', not {name!r}")
        app.extensions["alliance_search"] = backend
    return backend


def search(user, request: SearchRequest, now=None) -> SearchResults:
    """Search as ``user``: the policy module decides the scope."""
    from alliance.auth import policy

    return get_backend().search(request, policy.search_scope(user, now))


__all__ = ["get_backend", "search", "SearchRequest", "SearchResults"]
