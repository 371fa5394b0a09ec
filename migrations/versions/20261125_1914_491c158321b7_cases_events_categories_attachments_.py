"""cases, events, categories, attachments, idempotency keys, calendar

Revision ID: 491c158321b7
Revises: c7a1fdd3a2b6
Create Date: 2026-11-25 19:14:02.895126+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = '491c158321b7'
down_revision: str | None = 'c7a1fdd3a2b6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('calendar_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('working', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=50), nullable=True),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_days'))
    )
    op.create_table('categories',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('kind', sa.Enum('component', 'event', name='category_kind'), nullable=False),
    sa.Column('parent_id', sa.BigInteger(), nullable=True),
    sa.Column('name_zh', sa.String(length=50), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.Column('photo_required', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('time_limits', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['categories.id'], name=op.f('fk_categories_parent_id_categories'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('code', name=op.f('uq_categories_code'))
    )
    op.create_index(op.f('ix_categories_parent_id'), 'categories', ['parent_id'], unique=False)
    op.create_geospatial_table('cases',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('status', sa.Enum('reported', 'registered', 'dispatched', 'in_progress', 'resolved', 'verified', 'closed', 'rejected', name='case_status'), nullable=False),
    sa.Column('category_id', sa.BigInteger(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('location', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('reported_crs', sa.String(length=8), server_default='wgs84', nullable=False),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reporter_id', sa.BigInteger(), nullable=False),
    sa.Column('grid_id', sa.BigInteger(), nullable=False),
    sa.Column('area_path', sa.String(length=200), nullable=False),
    sa.Column('unit_id', sa.BigInteger(), nullable=True),
    sa.Column('duplicate_of_id', sa.BigInteger(), nullable=True),
    sa.Column('register_deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handle_deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('verify_deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('extension_requested_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deferred', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('overdue', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('needs_manual_dispatch', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('return_count', sa.SmallInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('rework_count', sa.SmallInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('rating', sa.SmallInteger(), nullable=True),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_cases_category_id_categories')),
    sa.ForeignKeyConstraint(['duplicate_of_id'], ['cases.id'], name=op.f('fk_cases_duplicate_of_id_cases')),
    sa.ForeignKeyConstraint(['grid_id'], ['areas.id'], name=op.f('fk_cases_grid_id_areas')),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_cases_reporter_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_cases_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('code', name=op.f('uq_cases_code'))
    )
    op.create_geospatial_index('idx_cases_location', 'cases', ['location'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index('ix_cases_area_path', 'cases', ['area_path'], unique=False, postgresql_ops={'area_path': 'text_pattern_ops'})
    op.create_index(op.f('ix_cases_category_id'), 'cases', ['category_id'], unique=False)
    op.create_index('ix_cases_created_id', 'cases', ['created_at', 'id'], unique=False)
    op.create_index(op.f('ix_cases_grid_id'), 'cases', ['grid_id'], unique=False)
    op.create_index(op.f('ix_cases_reporter_id'), 'cases', ['reporter_id'], unique=False)
    op.create_index('ix_cases_status', 'cases', ['status'], unique=False)
    op.create_index(op.f('ix_cases_unit_id'), 'cases', ['unit_id'], unique=False)
    op.create_table('idempotency_keys',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('response', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_idempotency_keys_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_keys')),
    sa.UniqueConstraint('user_id', 'key', name=op.f('uq_idempotency_keys_user_id'))
    )
    op.create_table('attachments',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('case_id', sa.BigInteger(), nullable=False),
    sa.Column('uploader_id', sa.BigInteger(), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('original_format', sa.String(length=10), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('exif_lon', sa.Float(), nullable=True),
    sa.Column('exif_lat', sa.Float(), nullable=True),
    sa.Column('exif_taken_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('distance_m', sa.Float(), nullable=True),
    sa.Column('far_from_case', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_attachments_case_id_cases')),
    sa.ForeignKeyConstraint(['uploader_id'], ['users.id'], name=op.f('fk_attachments_uploader_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments'))
    )
    op.create_index(op.f('ix_attachments_case_id'), 'attachments', ['case_id'], unique=False)
    op.create_table('case_events',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('case_id', sa.BigInteger(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.BigInteger(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('reason', sa.String(length=40), nullable=True),
    sa.Column('internal', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_case_events_actor_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_events_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_events'))
    )
    op.create_index('uq_case_events_case_id_seq', 'case_events', ['case_id', 'seq'], unique=True)
    op.execute(IMMUTABLE_EVENTS)
    op.execute("CREATE SEQUENCE case_code_seq")
    _seed_categories()


def downgrade() -> None:
    op.execute("DROP SEQUENCE case_code_seq")
    op.execute("DROP TRIGGER case_events_immutable ON case_events")
    op.execute("DROP TRIGGER case_events_no_truncate ON case_events")
    op.execute("DROP FUNCTION case_events_refuse_change()")
    op.drop_index('uq_case_events_case_id_seq', table_name='case_events')
    op.drop_table('case_events')
    op.drop_index(op.f('ix_attachments_case_id'), table_name='attachments')
    op.drop_table('attachments')
    op.drop_table('idempotency_keys')
    op.drop_index(op.f('ix_cases_unit_id'), table_name='cases')
    op.drop_index('ix_cases_status', table_name='cases')
    op.drop_index(op.f('ix_cases_reporter_id'), table_name='cases')
    op.drop_index(op.f('ix_cases_grid_id'), table_name='cases')
    op.drop_index('ix_cases_created_id', table_name='cases')
    op.drop_index(op.f('ix_cases_category_id'), table_name='cases')
    op.drop_index('ix_cases_area_path', table_name='cases', postgresql_ops={'area_path': 'text_pattern_ops'})
    op.drop_geospatial_index('idx_cases_location', table_name='cases', postgresql_using='gist', column_name='location')
    op.drop_geospatial_table('cases')
    op.drop_index(op.f('ix_categories_parent_id'), table_name='categories')
    op.drop_table('categories')
    op.drop_table('calendar_days')
    op.execute("DROP TYPE IF EXISTS case_status")
    op.execute("DROP TYPE IF EXISTS category_kind")


IMMUTABLE_EVENTS = """
CREATE FUNCTION case_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case events are immutable (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER case_events_immutable BEFORE UPDATE OR DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION case_events_refuse_change();
CREATE TRIGGER case_events_no_truncate BEFORE TRUNCATE ON case_events
    FOR EACH STATEMENT EXECUTE FUNCTION case_events_refuse_change();
"""

WH, WD = "working_hours", "working_days"
# (code, zh, en, photo required, handle limit) — major classes first, then minor classes.
# After GB/T 30428.2 / CJ/T 214: 部件 (C) and 事件 (E), six major classes each.
TAXONOMY = [
    ("C01", "公用设施", "Public utilities", False, (5, WD)),
    ("C0101", "上水井盖", "Water supply manhole cover", True, (2, WH)),
    ("C0102", "污水井盖", "Sewage manhole cover", True, (2, WH)),
    ("C0103", "雨水井盖", "Storm drain manhole cover", True, (2, WH)),
    ("C0104", "电力井盖", "Power manhole cover", True, (2, WH)),
    ("C0105", "燃气井盖", "Gas manhole cover", True, (2, WH)),
    ("C0106", "消防栓", "Fire hydrant", True, (1, WD)),
    ("C0107", "路灯", "Street light", False, (3, WD)),
    ("C0108", "通信交接箱", "Telecom cabinet", False, (5, WD)),
    ("C02", "道路交通", "Roads and traffic", False, (5, WD)),
    ("C0201", "交通信号灯", "Traffic light", True, (4, WH)),
    ("C0202", "交通标志牌", "Traffic sign", False, (3, WD)),
    ("C0203", "道路护栏", "Road guardrail", False, (3, WD)),
    ("C0204", "公交站亭", "Bus shelter", False, (5, WD)),
    ("C0205", "过街天桥", "Pedestrian bridge", False, (5, WD)),
    ("C03", "市容环境", "City appearance", False, (3, WD)),
    ("C0301", "公共厕所", "Public toilet", False, (2, WD)),
    ("C0302", "垃圾箱", "Litter bin", False, (2, WD)),
    ("C0303", "广告牌匾", "Signboard", False, (5, WD)),
    ("C0304", "报刊亭", "News kiosk", False, (5, WD)),
    ("C04", "园林绿化", "Parks and greenery", False, (5, WD)),
    ("C0401", "行道树", "Street tree", False, (3, WD)),
    ("C0402", "护树设施", "Tree guard", False, (5, WD)),
    ("C0403", "绿地", "Green space", False, (5, WD)),
    ("C0404", "古树名木", "Ancient tree", True, (1, WD)),
    ("C05", "房屋土地", "Buildings and land", False, (10, WD)),
    ("C0501", "空置房屋", "Vacant building", False, (10, WD)),
    ("C0502", "地下通道", "Underpass", False, (5, WD)),
    ("C06", "其他设施", "Other facilities", False, (5, WD)),
    ("C0601", "健身设施", "Fitness equipment", False, (5, WD)),
    ("C0602", "公共自行车站点", "Public bicycle station", False, (3, WD)),
    ("E01", "市容环境", "City appearance", False, (1, WD)),
    ("E0101", "私搭乱建", "Illegal construction", True, (5, WD)),
    ("E0102", "暴露垃圾", "Exposed garbage", True, (4, WH)),
    ("E0103", "积存垃圾渣土", "Accumulated waste and spoil", True, (1, WD)),
    ("E0104", "道路不洁", "Dirty road", False, (4, WH)),
    ("E0105", "水域不洁", "Dirty waterway", False, (1, WD)),
    ("E0106", "乱倒乱堆", "Illegal dumping", True, (1, WD)),
    ("E02", "宣传广告", "Advertising", False, (2, WD)),
    ("E0201", "非法小广告", "Illegal flyers", False, (2, WD)),
    ("E0202", "违规户外广告", "Unauthorized outdoor advertising", True, (5, WD)),
    ("E03", "施工管理", "Construction sites", False, (2, WD)),
    ("E0301", "施工扰民", "Construction noise", False, (1, WD)),
    ("E0302", "工地扬尘", "Construction dust", True, (1, WD)),
    ("E0303", "道路遗撒", "Spillage on roads", True, (4, WH)),
    ("E04", "突发事件", "Emergencies", False, (2, WH)),
    ("E0401", "路面塌陷", "Road collapse", True, (2, WH)),
    ("E0402", "自来水管破裂", "Burst water main", True, (2, WH)),
    ("E0403", "燃气管道破裂", "Gas pipe leak", False, (1, WH)),
    ("E0404", "下水道堵塞", "Blocked sewer", False, (4, WH)),
    ("E0405", "道路积水", "Waterlogged road", True, (2, WH)),
    ("E0406", "道路积雪结冰", "Snow or ice on road", False, (4, WH)),
    ("E05", "街面秩序", "Street order", False, (1, WD)),
    ("E0501", "占道经营", "Street vending", True, (4, WH)),
    ("E0502", "店外经营", "Trading outside shops", True, (1, WD)),
    ("E0503", "机动车乱停放", "Illegal car parking", True, (4, WH)),
    ("E0504", "非机动车乱停放", "Illegal bicycle parking", False, (1, WD)),
    ("E0505", "流浪乞讨", "Vagrancy", False, (1, WD)),
    ("E06", "其他事件", "Other events", False, (3, WD)),
    ("E0601", "消防通道堵塞", "Blocked fire lane", True, (4, WH)),
    ("E0602", "邻里纠纷", "Neighbour dispute", False, (3, WD)),
    ("E0603", "群租", "Overcrowded rental", False, (5, WD)),
    ("E0604", "噪音扰民", "Noise nuisance", False, (1, WD)),
]


def _seed_categories() -> None:
    categories = sa.table(
        "categories", sa.column("id", sa.BigInteger), sa.column("code", sa.String),
        sa.column("kind", postgresql.ENUM(name="category_kind", create_type=False)),
        sa.column("parent_id", sa.BigInteger),
        sa.column("name_zh", sa.String), sa.column("name_en", sa.String),
        sa.column("photo_required", sa.Boolean),
        sa.column("time_limits", postgresql.JSONB))
    connection = op.get_bind()
    ids: dict[str, int] = {}
    for code, zh, en, photo, (value, unit) in TAXONOMY:
        limits = {"register": {"value": 1, "unit": WH}, "handle": {"value": value, "unit": unit},
                  "verify": {"value": 4, "unit": WH}}
        row = connection.execute(categories.insert().values(
            code=code, kind="component" if code[0] == "C" else "event",
            parent_id=ids.get(code[:3]) if len(code) > 3 else None, name_zh=zh, name_en=en,
            photo_required=photo, time_limits=limits).returning(categories.c.id)).scalar_one()
        ids[code] = row
