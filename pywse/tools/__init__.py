"""The `pywse` command (and, later, traces and pictures). Top layer: may import every layer
below, and nothing in the package imports it."""
