"""Field work of grid workers: patrols and what their tracks prove."""
