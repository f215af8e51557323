"""Shared pytest fixtures. App-specific fixtures live in the nearest conftest.py
(tests/<app>/conftest.py); browser fixtures in tests/e2e/conftest.py."""
