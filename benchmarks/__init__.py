"""mentorhub's benchmarks: `python3 dev.py bench` (see benchmarks/README.md)."""
