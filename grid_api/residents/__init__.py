"""Residents as partners: following cases, watch areas, the public case map, outcomes."""
