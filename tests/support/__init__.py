"""Helpers shared by the tests: the tiny catalogue, CLI runs, open access, PostgreSQL."""
