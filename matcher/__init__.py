"""Matching (ranking suggestions) and the matcher bot."""
