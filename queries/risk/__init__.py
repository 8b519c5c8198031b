"""Risk models: stress transmission (DebtRank-style cascades) and vendor financing."""
