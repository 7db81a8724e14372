"""Facts about the demo that need no database or Django setup (the bench reads them first)."""

DEFAULT_SEED = 20220328
# Bump when the builder's output changes, so that the bench reseeds its database.
BUILDER_VERSION = 4
# People in the registry per --scale (the default demo has this many); --people overrides it.
PEOPLE_PER_SCALE = 24_000


def planned_people(scale: int = 1, people: int | None = None) -> int:
    """How many people the demo registers: --people if given, else PEOPLE_PER_SCALE per scale."""
    return people if people is not None else PEOPLE_PER_SCALE * max(1, scale)


# People named on the page (officials, reporters, correspondents). Faker could draw any of
# these common names by chance; they are drawn again, so no demo person bears one.
# fmt: off
PAGE_PEOPLE = frozenset({
    "李朋", "朱永立", "张海婷", "刘少勇", "曲华侨", "苏营周", "王军方", "贺振广",
    "朱翔鹏", "路智永", "李景云", "薛明亮", "朱枫", "田佰山", "朱利霞", "校敏",
    "谷明丽", "郭兴云", "董辉",
})
# fmt: on
