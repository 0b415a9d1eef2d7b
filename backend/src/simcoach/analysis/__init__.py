"""Stored sessions studied afterwards: laps, corners and consistency for the sessions page and the report."""
