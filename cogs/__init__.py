"""Features, one package each. Each has `setup(registry, services)`; none imports a platform library."""
