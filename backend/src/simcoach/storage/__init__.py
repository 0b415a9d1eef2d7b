"""Where taken frames and sessions are kept: the embedded store by default, InfluxDB for history."""
