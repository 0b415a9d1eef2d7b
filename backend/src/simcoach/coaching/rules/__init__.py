"""Coaching rules: tyres, brakes, fuel and driving technique."""
