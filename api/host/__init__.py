"""The composition root and the processes: settings, storage, the context registry, CLI, clock."""
