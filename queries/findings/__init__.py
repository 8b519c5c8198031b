"""Findings: the whole analysis in one call, its alerts, and what changed since a run."""
