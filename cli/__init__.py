"""The `regimes` command line: parse, call one service or query function, render."""
