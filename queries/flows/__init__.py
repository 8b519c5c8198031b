"""Flows and loops: deals in force, money flows between entities, circular flows, circularity."""
