"""represent stage."""
