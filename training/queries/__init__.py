"""Reads of the training domain (no writes here)."""
