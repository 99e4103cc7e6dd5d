"""The read side of `regimes`: pure folds to regimes, the persisted bitemporal view, queries."""
