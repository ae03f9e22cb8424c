"""Kindred's store: raw SQL, one module per table, dataclass rows."""
