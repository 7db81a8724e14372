"""The demo district (wangge/demo): fast password hashing for building it, and wiping it."""

from wangge.accounts.models import User
from wangge.org.models import OrgUnit
from wangge.roster.models import Assignment, StaffMember, WorkingGroup, WorkingGroupMember

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def wipe_demo():
    """Delete the demo inside the current test's savepoint (rolled back afterwards)."""
    from wangge.demo.registry_builder import wipe_registry
    from wangge.demo.venues_builder import wipe_venues

    wipe_venues()
    wipe_registry()
    User.objects.all().delete()
    WorkingGroupMember.objects.all().delete()
    WorkingGroup.objects.all().delete()
    Assignment.objects.all().delete()
    StaffMember.objects.all().delete()
    from wangge.audit.models import AuditEvent
    from wangge.roster.models import Department

    AuditEvent.objects.all().delete()
    Department.objects.all().delete()
    for depth in sorted(set(OrgUnit.objects.values_list("depth", flat=True)), reverse=True):
        OrgUnit.objects.filter(depth=depth).delete()
