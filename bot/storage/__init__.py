"""Storage: models, sessions, migrations glue and the repository layer (the only SQL)."""
