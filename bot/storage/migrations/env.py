"""Alembic environment: runs on the connection Needle hands over (see bot.storage.migrate)."""

from __future__ import annotations

from alembic import context

from bot.storage.migrate import include_object
from bot.storage.models import Base

target_metadata = Base.metadata


def run_migrations() -> None:
    """Run migrations on the connection passed in `config.attributes["connection"]`."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run Needle's migrations with `needle db upgrade`")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
