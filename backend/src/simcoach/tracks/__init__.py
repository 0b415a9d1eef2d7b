"""Track files: corner names by lap distance and sector boundaries, built in and user-editable (TOML)."""
