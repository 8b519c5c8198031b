"""Significance: whether a finding stands out against chance (null models of the deal graph)."""
