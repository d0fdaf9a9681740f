"""slack_oauth_states.state: an index for the lookup every OAuth redirect makes

slack-sdk finds a state by its value when Slack redirects back after an install; without an
index that is a scan of every state stored.

Revision ID: 0006_slack_oauth_state_index
Revises: 0005_team_manager_fk
Create Date: 2026-11-26 10:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006_slack_oauth_state_index"
down_revision: str | None = "0005_team_manager_fk"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "slack_oauth_states_state_idx"


def upgrade() -> None:
    """Index the state column."""
    op.create_index(NAME, "slack_oauth_states", ["state"])


def downgrade() -> None:
    """Drop the index."""
    op.drop_index(NAME, table_name="slack_oauth_states")
