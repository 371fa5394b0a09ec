"""Private PostGIS and Redis servers for development, tests and benchmarks (no Docker needed)."""
