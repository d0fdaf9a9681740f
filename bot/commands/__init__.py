"""The commands of SPEC section 5, one module per family, routed by the engine."""
