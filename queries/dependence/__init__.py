"""Concentration and exposure: who depends on whom, how much, against their size."""
