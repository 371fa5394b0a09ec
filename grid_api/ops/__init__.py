"""Running the service: health, readiness and metrics."""
