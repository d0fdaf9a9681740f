"""Chat adapters: thin translators between a platform and Needle's neutral engine."""
