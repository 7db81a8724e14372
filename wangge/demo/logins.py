"""The demo's logins: one per standard role, each with the jurisdiction it shows off.

Unit codes are fixed by the demo builder whatever the seed or scale, so this list is
plain data that `make run`, the bench and the tests can use.
"""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "wangge-demo-2022"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str  # a code from wangge.core.permissions.STANDARD_ROLE_LABELS, or "" for none
    unit_code: str | None  # the jurisdiction's OrgUnit.code; None: no jurisdiction at all
    unit_name: str  # for printing without a database
    shows: str  # what logging in as this account demonstrates


DEMO_LOGINS: list[DemoLogin] = [
    DemoLogin("admin", "district_admin", "GK", "郑州航空港区", "the whole district, every permission"),
    DemoLogin(
        "zhenggang", "office_leader", "GK-ZG", "郑港办事处", "one office: its villages, grids and roster"
    ),
    DemoLogin(
        "xingang",
        "office_leader",
        "GK-XG",
        "新港办事处",
        "office leader: approves quarantine decided by others (screening)",
    ),
    DemoLogin("itpark", "office_leader", "GK-IT", "IT产业园社区服务中心", "10 workstations and 33 grids"),
    DemoLogin("zhuanban", "working_group_lead", "GK-ZG", "郑港办事处", "lead of 核酸检测组 (一办十一组)"),
    DemoLogin("ducha", "department_staff", "GK-QH", "清河办事处", "督查办 staff: view only"),
    DemoLogin("cunganbu", "village_cadre", "GK-ZG-ZL", "冢刘村", "village secretary: edits the village"),
    DemoLogin(
        "wanggezhang", "grid_leader", "GK-ZG-CHL-01", "锦绣翠园小区", "grid leader of a 慈航路社区 grid"
    ),
    DemoLogin(
        "wanggeyuan",
        "grid_worker",
        "GK-ZG-ZL-W1-01",
        "冢刘村 第一网格",
        "grid worker: one grid, no phone numbers",
    ),
    DemoLogin(
        "zhiyuanzhe", "volunteer", "GK-ZZ-ZZ-W1-01", "张庄村 第一网格", "volunteer: sees the tree of one grid"
    ),
    DemoLogin(
        "caiyang",
        "sampling_registrar",
        "GK-ZG-ZL",
        "冢刘村",
        "sampling-site registrar: the phone page at the table",
    ),
    DemoLogin("jiance", "lab", "GK", "郑州航空港区", "testing lab: uploads results per tube"),
    DemoLogin(
        "qinghe-hotel",
        "venue_manager",
        None,
        "清河宾馆",
        "a venue's own account: its staff record, disinfection log",
    ),
    DemoLogin(
        "nojurisdiction", "office_leader", None, "—", "a leader's role but no jurisdiction: sees nothing"
    ),
]


def by_username(username: str) -> DemoLogin:
    for login in DEMO_LOGINS:
        if login.username == username:
            return login
    raise KeyError(username)
