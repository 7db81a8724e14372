"""Facts about the demo that need no database or Django setup (the bench reads them first)."""

DEFAULT_SEED = 20220328
# Bump when the builder's output changes, so that the bench reseeds its database.
BUILDER_VERSION = 3
# People in the registry per --scale (the default demo has this many); --people overrides it.
PEOPLE_PER_SCALE = 24_000


def planned_people(scale: int = 1, people: int | None = None) -> int:
    """How many people the demo registers: --people if given, else PEOPLE_PER_SCALE per scale."""
    return people if people is not None else PEOPLE_PER_SCALE * max(1, scale)
