"""Tests of the coaching rules and the threshold table."""
