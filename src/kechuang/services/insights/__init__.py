"""Decision support views (M7): industry chains, networks and trend radar."""
