"""Spatial reference ids used across the project."""

WGS84 = 4326
