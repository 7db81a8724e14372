"""Facts about the demo that need no database or Django setup (the bench reads them first)."""

DEFAULT_SEED = 20220328
# Bump when the builder's output changes, so that the bench reseeds its database.
BUILDER_VERSION = 1
