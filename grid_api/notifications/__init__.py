"""Telling people: the in-app inbox (the source of truth) and the devices push reaches."""
