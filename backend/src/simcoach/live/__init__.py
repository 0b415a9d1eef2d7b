"""Live state of rigs and fan-out to dashboards."""
