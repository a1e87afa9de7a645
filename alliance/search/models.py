"""Tables of the PostgreSQL search backend.

They exist on every database (the schema is the same everywhere, and the
models-vs-migrations test compares it on SQLite and PostgreSQL) but only the
PostgreSQL backend uses them. PostgreSQL-only parts:

* ``search_document.tsv_it`` / ``tsv_en`` / ``title_tsv`` are ``tsvector``
  (Text elsewhere), ``themes``, ``partners`` and ``partner_ids`` are arrays
  (JSON elsewhere); GIN indexes on the two vectors and the arrays (plain
  indexes elsewhere);
* migration 0003 adds the ``unaccent`` and ``pg_trgm`` extensions, the text
  search configurations ``alliance_it`` and ``alliance_en`` (Italian / English
  with accents folded before the stemmer) and turns ``ix_search_word_trgm`` into
  a trigram GiST index (autogenerate compares an index's name and columns, not
  its method, so the models stay equal to the migrations on both databases).
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from alliance.core.models import UTCDateTime
from alliance.extensions import db

# The generic ARRAY (not postgresql.ARRAY): autogenerate, run on SQLite, renders it
# with its item type correctly prefixed.
TextArray = sa.JSON().with_variant(sa.ARRAY(sa.Text()), "postgresql")
IntArray = sa.JSON().with_variant(sa.ARRAY(sa.Integer()), "postgresql")
TSVector = sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")


class SearchIndexEntry(db.Model):
    """One indexed document (:class:`alliance.search.documents.SearchDocument`)."""

    __tablename__ = "search_document"

    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)  # "kind:id"
    kind: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    object_id: Mapped[int] = mapped_column(nullable=False)
    title: Mapped[str] = mapped_column(sa.Text, nullable=False)
    body: Mapped[str] = mapped_column(sa.Text, nullable=False)
    public: Mapped[bool] = mapped_column(nullable=False)
    themes: Mapped[list[str]] = mapped_column(TextArray, nullable=False)
    partners: Mapped[list[str]] = mapped_column(TextArray, nullable=False)
    partner_ids: Mapped[list[int]] = mapped_column(IntArray, nullable=False)
    call: Mapped[str | None] = mapped_column(sa.Text)
    challenge: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(30), nullable=False)
    trl: Mapped[int | None] = mapped_column()
    city: Mapped[str | None] = mapped_column(sa.Text)
    startup_id: Mapped[int | None] = mapped_column()
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    subtitle: Mapped[str] = mapped_column(sa.Text, nullable=False)
    url_key: Mapped[str] = mapped_column(sa.Text, nullable=False)
    fingerprint: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    # The Italian and the English analysis (title weight A, body weight B) in two
    # vectors, so that each language's lexemes only meet the query's lexemes of the
    # same language, and GIN answers without rechecking; the title alone, both
    # languages, small, for a cheap first ranking of large result sets.
    tsv_it: Mapped[str | None] = mapped_column(TSVector)
    tsv_en: Mapped[str | None] = mapped_column(TSVector)
    title_tsv: Mapped[str | None] = mapped_column(TSVector)

    __table_args__ = (
        sa.Index("ix_search_document_kind_status", "kind", "status"),
        sa.Index("ix_search_document_tsv_it", "tsv_it", postgresql_using="gin"),
        sa.Index("ix_search_document_tsv_en", "tsv_en", postgresql_using="gin"),
        sa.Index("ix_search_document_themes", "themes", postgresql_using="gin"),
        sa.Index("ix_search_document_partners", "partners", postgresql_using="gin"),
        sa.Index("ix_search_document_partner_ids", "partner_ids", postgresql_using="gin"),
    )

    def __repr__(self) -> str:
        return f"<SearchIndexEntry {self.key}>"


class SearchWord(db.Model):
    """The words of the indexed texts (lower case, accents folded), for "did you mean".

    No unique constraint on purpose: writers add words inside the transactions
    that change documents, and a unique index would make two transactions adding
    the same new word wait for each other. Duplicates are harmless (queries use
    DISTINCT) and a rebuild removes them.
    """

    __tablename__ = "search_word"

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(sa.Text, nullable=False)

    __table_args__ = (
        # Exact words and prefixes (``LIKE 'mobilit%'``) whatever the collation.
        sa.Index("ix_search_word_word", "word", postgresql_ops={"word": "text_pattern_ops"}),
        # A btree here; migration 0003 makes it a trigram GiST index on PostgreSQL.
        sa.Index("ix_search_word_trgm", "word"),
    )
