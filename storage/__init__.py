"""Tables, repositories, engine and Alembic migrations for the contribution ledger."""
