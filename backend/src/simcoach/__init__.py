"""simcoach backend: ingest, coaching, storage and live fan-out for sim racing telemetry."""

__version__ = "0.1.0"
