"""marshmallow schemas: what crosses the wire (validation in, representation out)."""
