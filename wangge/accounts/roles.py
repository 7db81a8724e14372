"""The standard roles, created by migration data and the demo. Offices may add their own.

Their default permissions come from the kernel's catalogue: each part says which standard
roles hold each of its permissions (see `wangge.core.permissions`).
"""

from wangge.core.permissions import standard_roles


def __getattr__(name: str):
    # Computed on use: the catalogue is complete only once every part's AppConfig has run.
    if name == "STANDARD_ROLES":
        return standard_roles()
    raise AttributeError(name)
