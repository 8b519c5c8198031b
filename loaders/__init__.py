"""Loaders: deal records from CSV, JSON or JSON Lines into a validated `DataSet`."""

from dealgraph.loaders.dataset import BUNDLED, bundled_path, load_dataset

__all__ = ["BUNDLED", "bundled_path", "load_dataset"]
