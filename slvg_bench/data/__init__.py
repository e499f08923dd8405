"""Datasets: adapters for the real datasets, the built-in synthetic dataset, preprocessing."""
