"""Route modules, each a thin shell over services."""
