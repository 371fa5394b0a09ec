"""Getting a case to the right unit in time: units, routing rules, dispatch, escalation."""
