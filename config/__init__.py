"""Settings (environment / .env) and typed per-community defaults."""
