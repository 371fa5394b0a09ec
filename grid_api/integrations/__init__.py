"""Other systems as clients: API keys, Open311 GeoReport v2, and what they are told back."""
