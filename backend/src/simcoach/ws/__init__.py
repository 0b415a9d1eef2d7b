"""WebSocket endpoints: rig ingest and dashboard fan-out."""
