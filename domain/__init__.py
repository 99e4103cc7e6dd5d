"""The write side of `regimes`: vocabulary, input records, aggregates and the application."""
