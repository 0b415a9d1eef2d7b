"""Automobilista 2 over UDP, in the Project CARS 2 packet format."""
