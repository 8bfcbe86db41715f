"""Shared HTTP machinery: the app, auth, command routes, reads, errors, OpenAPI."""
