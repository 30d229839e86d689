"""covergate benchmarks: `make bench` (python -m bench)."""
