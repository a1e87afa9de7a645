"""Indexes for the pages at scale: challenges in deadline order (home page, the list,
also by theme or call, partner pages) or publication order (the list's "newest"), the
next opening of a challenge (the page cache's expiry) and the challenges a partner
co-sponsors.

Revision ID: 0006
Revises: 0005
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('challenge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_challenge_status_deadline'), ['status', 'deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_challenge_theme_id_status_deadline'), ['theme_id', 'status', 'deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_challenge_call_id_status_deadline'), ['call_id', 'status', 'deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_challenge_status_published_at'), ['status', 'published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_challenge_opens_at'), ['opens_at'], unique=False)

    with op.batch_alter_table('challenge_cosponsor', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_challenge_cosponsor_partner_id'), ['partner_id'], unique=False)


def downgrade():
    with op.batch_alter_table('challenge_cosponsor', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_challenge_cosponsor_partner_id'))

    with op.batch_alter_table('challenge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_challenge_opens_at'))
        batch_op.drop_index(batch_op.f('ix_challenge_status_published_at'))
        batch_op.drop_index(batch_op.f('ix_challenge_call_id_status_deadline'))
        batch_op.drop_index(batch_op.f('ix_challenge_theme_id_status_deadline'))
        batch_op.drop_index(batch_op.f('ix_challenge_status_deadline'))
