"""Development data only (see loader.py)."""
