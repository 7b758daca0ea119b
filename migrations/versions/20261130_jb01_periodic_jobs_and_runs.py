"""periodic jobs and runs

Admin settings of the declared periodic jobs, the run record whose unique (job, fire
time) pair stops two scheduler processes from running a job twice, and APScheduler's
SQLAlchemyJobStore table (created here rather than by APScheduler itself).

Revision ID: jb01
Revises: pl01
Create Date: 2026-11-30 01:01:31.389179

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'jb01'
down_revision = 'pl01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('apscheduler_jobs',
    sa.Column('id', sa.Unicode(length=191), nullable=False),
    sa.Column('next_run_time', sa.Float(precision=25), nullable=True),
    sa.Column('job_state', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_apscheduler_jobs'))
    )
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_apscheduler_jobs_next_run_time'), ['next_run_time'], unique=False)

    op.create_table('periodic_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.String(length=40), nullable=False),
    sa.Column('scheduled_for', sa.DateTime(timezone=True), nullable=False),
    sa.Column('trigger', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('host', sa.String(length=120), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_periodic_runs')),
    sa.UniqueConstraint('job_id', 'scheduled_for', name=op.f('uq_periodic_runs_job_id_scheduled_for'))
    )
    with op.batch_alter_table('periodic_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_periodic_runs_job_id'), ['job_id'], unique=False)

    op.create_table('periodic_jobs',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('cron', sa.String(length=120), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_periodic_jobs_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_periodic_jobs'))
    )


def downgrade():
    op.drop_table('periodic_jobs')
    with op.batch_alter_table('periodic_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_periodic_runs_job_id'))

    op.drop_table('periodic_runs')
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_apscheduler_jobs_next_run_time'))

    op.drop_table('apscheduler_jobs')
