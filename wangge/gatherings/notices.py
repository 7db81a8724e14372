"""Telling the family: a notice row shown on the public look-up page, and the same words sent
after the commit through the platform's notice channel (`WANGGE_NOTICE_CHANNEL`, as testing and
screening do). Messages name the kind, the date and the look-up code, never an ID number."""

from __future__ import annotations

from django.db import transaction

from wangge.gatherings.models import Gathering, Notice
from wangge.testing.calling.channels import Message, get_channel


def tell_family(gathering: Gathering, text: str) -> Notice:
    notice = Notice.objects.create(gathering=gathering, text=text)
    phone = gathering.host_phone
    if phone:
        message = Message(
            ref=f"gathering:{gathering.pk}:{notice.pk}", phone=phone, text=text, path=gathering.path
        )
        transaction.on_commit(lambda: get_channel().send([message]))
    return notice
