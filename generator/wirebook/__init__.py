"""wirebook: one YAML description of a JSON message protocol, compiled into everything around it."""

__version__ = "0.1.0"
