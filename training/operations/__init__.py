"""Writes of the training domain.  Services flush; the caller (request, job, CLI) commits."""
