"""Read models built from the domain's events (DESIGN §2: `api → projections → domain`):
the runtime, shared queries and the deadline board here; one folder per context."""
