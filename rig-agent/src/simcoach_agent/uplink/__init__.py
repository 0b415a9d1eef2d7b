"""Delivery of frames to the backend: the spool of unacknowledged frames and the WebSocket client."""
