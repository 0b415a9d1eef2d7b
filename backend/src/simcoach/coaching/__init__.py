"""The coaching engine: laps, the reference lap, live delta, corners, feedback and rules."""
