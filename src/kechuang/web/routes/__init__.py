"""Page routes, one module per area; each handler calls services with the visitor's actor."""
