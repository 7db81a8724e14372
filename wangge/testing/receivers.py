"""What testing does when other parts change people (connected in apps.ready)."""

from django.dispatch import receiver

from wangge.registry.signals import people_moved, person_departed


@receiver(people_moved, dispatch_uid="testing.follow_people")
def follow_moved_people(sender, person_ids, **kwargs) -> None:
    from wangge.testing.moves import follow_people

    follow_people(person_ids=list(person_ids))


@receiver(person_departed, dispatch_uid="testing.exempt_departed")
def exempt_departed_person(sender, person, **kwargs) -> None:
    from wangge.testing.moves import exempt_departed

    exempt_departed(person=person)
