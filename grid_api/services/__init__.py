"""Domain services: the rules of the product, over a session they never commit."""
