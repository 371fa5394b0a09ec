"""Pure spatial logic: shapely geometry and SQL expression builders (no Flask, no session)."""
