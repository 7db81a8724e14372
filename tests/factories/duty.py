"""Checkpoint duty and volunteers: a round-the-clock checkpoint in grid A with a week of shifts,
the accounts that manage it (a village cadre of 冢刘村) and log at it (a volunteer of grid A), and
volunteers signed up and vetted."""

from dataclasses import dataclass

from django.utils import timezone

from tests.factories.accounts import make_user
from tests.factories.registry import rid
from wangge.core.access import SYSTEM
from wangge.duty.checkpoints import services as checkpoints
from wangge.duty.volunteers import services as volunteers


@dataclass
class DutySetup:
    checkpoint: object
    foreign_checkpoint: object
    cadre: object
    logger: object
    foreign_cadre: object


def make_checkpoint(grid, name="村口卡点", days=7, **kw):
    cp = checkpoints.create_checkpoint(actor=SYSTEM, grid=grid, name=name, kind="village_entrance", **kw)
    checkpoints.make_shifts(actor=SYSTEM, checkpoint=cp, start=timezone.localdate(), days=days)
    return cp


def make_duty(world) -> DutySetup:
    return DutySetup(
        checkpoint=make_checkpoint(world.grid_a),
        foreign_checkpoint=make_checkpoint(world.other_grid, name="张庄卡点", days=1),
        cadre=make_user("duty_cadre", world.village, "village_cadre"),
        logger=make_user("duty_logger", world.grid_a, "volunteer"),
        foreign_cadre=make_user("duty_foreign", world.other_village, "village_cadre"),
    )


def sign_up(village, n=1, **kw):
    data = {
        "village": village,
        "name": kw.pop("name", f"志愿者{n:02d}"),
        "phone": kw.pop("phone", f"1380000{n:04d}"),
        "id_number": kw.pop("id_number", rid(n, "19950101")),
        "availability": ["weekday_nights"],
        **kw,
    }
    return volunteers.sign_up(**data)[0]


def vetted(village, actor, n=1, **kw):
    v = sign_up(village, n, **kw)
    return volunteers.vet(actor=actor, volunteer=v, accept=True)
