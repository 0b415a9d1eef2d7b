"""History for Grafana: the fixed InfluxDB schema and its line-protocol encoder."""
