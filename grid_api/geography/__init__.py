"""The area tree: areas and grid cells, boundary import, grid generation, locate, vector tiles."""
