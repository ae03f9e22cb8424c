"""Settings loading, generated secrets and config templates."""
