"""The residents feature over HTTP."""
