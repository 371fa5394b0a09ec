"""Cases: reporting, the closed-loop workflow, who sees what, photos, presentation."""
