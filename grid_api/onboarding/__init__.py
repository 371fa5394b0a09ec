"""Setting up a city: grid plans, units, routing rules and staff from plain files."""
