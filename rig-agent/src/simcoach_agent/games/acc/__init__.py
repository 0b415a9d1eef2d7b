"""Assetto Corsa Competizione and the original Assetto Corsa: Kunos' three shared-memory pages."""
