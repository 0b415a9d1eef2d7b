"""simcoach rig agent: reads a sim's telemetry and forwards it to the simcoach backend."""

__version__ = "0.1.0"
