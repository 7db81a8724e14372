"""What testing does when other parts change people (connected in apps.ready)."""

from django.dispatch import receiver

from wangge.registry.signals import people_moved


@receiver(people_moved, dispatch_uid="testing.follow_people")
def follow_moved_people(sender, person_ids, **kwargs) -> None:
    from wangge.testing.moves import follow_people

    follow_people(person_ids=list(person_ids))
