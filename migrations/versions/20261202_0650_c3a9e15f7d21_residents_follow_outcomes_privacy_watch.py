"""residents: followers, outcomes, sensitive categories, public locations, watch areas

Revision ID: c3a9e15f7d21
Revises: a7d2c9e4f150
Create Date: 2026-12-02 06:50:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geography, Geometry
from sqlalchemy.dialects import postgresql

revision: str = 'c3a9e15f7d21'
down_revision: str | None = 'a7d2c9e4f150'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A case's public location: its point, or its grid cell's centre where the category is
# sensitive. Triggers keep it for every insert and move of a case, and for every case of a
# category whose sensitivity changes.
PUBLIC_LOCATION = """
CREATE FUNCTION case_public_location(category bigint, cell bigint, point geometry)
RETURNS geometry LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN (SELECT sensitive FROM categories WHERE id = category)
                THEN (SELECT ST_Centroid(geom) FROM areas WHERE id = cell)
                ELSE point END
$$;
CREATE FUNCTION cases_set_public_location() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.public_location := case_public_location(NEW.category_id, NEW.grid_id, NEW.location);
    RETURN NEW;
END $$;
CREATE TRIGGER cases_public_location BEFORE INSERT OR UPDATE OF location, category_id, grid_id
    ON cases FOR EACH ROW EXECUTE FUNCTION cases_set_public_location();
CREATE FUNCTION categories_reset_public_locations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cases SET public_location = case_public_location(category_id, grid_id, location)
    WHERE category_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER categories_sensitive AFTER UPDATE OF sensitive ON categories FOR EACH ROW
    WHEN (OLD.sensitive IS DISTINCT FROM NEW.sensitive)
    EXECUTE FUNCTION categories_reset_public_locations();
"""


def upgrade() -> None:
    op.add_column('categories', sa.Column('sensitive', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    op.add_column('users', sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('cases', sa.Column('public_location', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True))
    op.execute(PUBLIC_LOCATION)
    op.execute("UPDATE cases SET public_location = location")
    # 邻里纠纷 names people by its nature.
    op.execute("UPDATE categories SET sensitive = true WHERE code = 'E0602'")
    op.create_geospatial_index('idx_cases_public_location', 'cases', ['public_location'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('case_followers',
    sa.Column('case_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('via', sa.String(length=20), server_default='follow', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_followers_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_case_followers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'user_id', name=op.f('pk_case_followers'))
    )
    op.create_index('ix_case_followers_user_id', 'case_followers', ['user_id', 'case_id'], unique=False)
    op.create_table('case_outcomes',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('case_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('responsible_body', sa.String(length=100), nullable=True),
    sa.Column('duplicate_of_id', sa.BigInteger(), nullable=True),
    sa.Column('decided_role', sa.String(length=20), nullable=False),
    sa.Column('decided_unit', sa.String(length=100), nullable=True),
    sa.Column('unit_id', sa.BigInteger(), nullable=True),
    sa.Column('disputed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_outcomes_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['duplicate_of_id'], ['cases.id'], name=op.f('fk_case_outcomes_duplicate_of_id_cases')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_case_outcomes_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_outcomes'))
    )
    op.create_index('ix_case_outcomes_case_id_id', 'case_outcomes', ['case_id', 'id'], unique=False)
    op.create_index(op.f('ix_case_outcomes_unit_id'), 'case_outcomes', ['unit_id'], unique=False)
    op.create_table('watch_areas',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('area_id', sa.BigInteger(), nullable=True),
    sa.Column('center', Geography(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeogFromText', name='geography'), nullable=True),
    sa.Column('radius_m', sa.Integer(), nullable=True),
    sa.Column('category_groups', postgresql.ARRAY(sa.String(length=12)), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('daily_digest', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('(area_id IS NOT NULL AND center IS NULL AND radius_m IS NULL) OR (area_id IS NULL AND center IS NOT NULL AND radius_m IS NOT NULL)', name=op.f('ck_watch_areas_area_or_circle')),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_watch_areas_area_id_areas'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_watch_areas_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_watch_areas'))
    )
    op.create_index(op.f('ix_watch_areas_area_id'), 'watch_areas', ['area_id'], unique=False)
    op.create_index(op.f('ix_watch_areas_user_id'), 'watch_areas', ['user_id'], unique=False)
    op.create_geospatial_index('idx_watch_areas_center', 'watch_areas', ['center'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('watch_notices',
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('case_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('daily_digest', sa.Boolean(), nullable=False),
    sa.Column('digested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_watch_notices_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_watch_notices_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'case_id', 'kind', name=op.f('pk_watch_notices'))
    )
    op.create_index('ix_watch_notices_digest_pending', 'watch_notices', ['created_at'], unique=False, postgresql_where=sa.text('daily_digest AND digested_at IS NULL'))


def downgrade() -> None:
    op.drop_index('ix_watch_notices_digest_pending', table_name='watch_notices', postgresql_where=sa.text('daily_digest AND digested_at IS NULL'))
    op.drop_table('watch_notices')
    op.drop_geospatial_index('idx_watch_areas_center', table_name='watch_areas', postgresql_using='gist', column_name='center')
    op.drop_index(op.f('ix_watch_areas_user_id'), table_name='watch_areas')
    op.drop_index(op.f('ix_watch_areas_area_id'), table_name='watch_areas')
    op.drop_table('watch_areas')
    op.drop_index(op.f('ix_case_outcomes_unit_id'), table_name='case_outcomes')
    op.drop_index('ix_case_outcomes_case_id_id', table_name='case_outcomes')
    op.drop_table('case_outcomes')
    op.drop_index('ix_case_followers_user_id', table_name='case_followers')
    op.drop_table('case_followers')
    op.execute("DROP TRIGGER categories_sensitive ON categories")
    op.execute("DROP FUNCTION categories_reset_public_locations()")
    op.execute("DROP TRIGGER cases_public_location ON cases")
    op.execute("DROP FUNCTION cases_set_public_location()")
    op.execute("DROP FUNCTION case_public_location(bigint, bigint, geometry)")
    op.drop_geospatial_index('idx_cases_public_location', table_name='cases', postgresql_using='gist', column_name='public_location')
    op.drop_column('cases', 'public_location')
    op.drop_column('users', 'deleted_at')
    op.drop_column('categories', 'sensitive')
