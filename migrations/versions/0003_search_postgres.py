"""PostgreSQL full-text search: extensions, text search configurations, trigram index.

Only on PostgreSQL (a no-op on SQLite, where the search tables exist but are
unused). The ``search_document`` table and its GIN indexes come from 0001.

* ``unaccent`` and ``pg_trgm``;
* ``alliance_it`` / ``alliance_en``: copies of ``italian`` / ``english`` where
  words go through ``unaccent`` before the stemmer, so "città" and "citta" give
  the same lexeme and ``ts_headline`` still highlights the accented original;
* ``ix_search_word_trgm`` becomes a trigram GiST index (same name and column,
  so the models still agree with the migrations), for "did you mean";
* ``search_document`` keeps its rows narrow (the vectors in TOAST).

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

CONFIGURATIONS = (("alliance_it", "italian", "italian_stem"),
                  ("alliance_en", "english", "english_stem"))


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    if not _postgres():
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, base, stemmer in CONFIGURATIONS:
        op.execute(f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = pg_catalog.{base})")
        op.execute(f"ALTER TEXT SEARCH CONFIGURATION {name} "
                   f"ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {stemmer}")
    op.execute("DROP INDEX IF EXISTS ix_search_word_trgm")
    op.execute("CREATE INDEX ix_search_word_trgm ON search_word USING gist (word gist_trgm_ops)")
    # Keep the rows narrow: the vectors go to TOAST storage, so that finding,
    # counting and grouping matches never reads them (GIN answers exactly).
    op.execute("ALTER TABLE search_document SET (toast_tuple_target = 1024)")
    for column in ("tsv_it", "tsv_en"):
        op.execute(f"ALTER TABLE search_document ALTER COLUMN {column} SET STORAGE EXTERNAL")


def downgrade():
    if not _postgres():
        return
    for column in ("tsv_it", "tsv_en"):
        op.execute(f"ALTER TABLE search_document ALTER COLUMN {column} SET STORAGE EXTENDED")
    op.execute("ALTER TABLE search_document RESET (toast_tuple_target)")
    op.execute("DROP INDEX IF EXISTS ix_search_word_trgm")
    op.execute("CREATE INDEX ix_search_word_trgm ON search_word (word)")
    # The stored vectors were made with the configurations: empty the index
    # (``flask search rebuild`` fills it again).
    op.execute("DELETE FROM search_document")
    for name, _base, _stemmer in CONFIGURATIONS:
        op.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}")
    op.execute("DROP EXTENSION IF EXISTS pg_trgm")
    op.execute("DROP EXTENSION IF EXISTS unaccent")
