"""Game adapters: one per game, behind one interface, loaded lazily by the registry."""
