"""HTTP resources of this feature: one flask-smorest blueprint per module."""
