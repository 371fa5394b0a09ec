"""Evaluation: indicators, rankings, the one-screen overview, hot spots and exports."""
