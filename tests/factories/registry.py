"""Registry: resident ID numbers with a valid GB 11643 check digit, and the files and import jobs
of registry imports (the village's rental roll and tenant list)."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from stdnum.cn import ric

from wangge.registry.imports import engine
from wangge.registry.models import ImportJob

# --- ID numbers -------------------------------------------------------------------------------


def testing_rid(n: int) -> str:
    """A valid resident ID number, born 1990-01-01 (the people of the `testing` and `screening`
    fixtures)."""
    body = f"41018419900101{n:03d}"
    return body + ric.calc_check_digit(body + "0")


def rid(seed: int, birth: str = "19850312") -> str:
    """A valid resident ID number (Zhengzhou area code, a given birth date)."""
    body = f"410101{birth}{seed:03d}"
    return body + ric.calc_check_digit(body + "0")


def wrong_check_digit(number: str) -> str:
    last = "0" if number[-1] != "0" else "1"
    return number[:-1] + last


# --- import files and jobs --------------------------------------------------------------------


def csv_bytes(rows: list[list[str]], encoding: str) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def upload(actor, kind, data: bytes, name: str, mode="valid_rows") -> ImportJob:
    return engine.create_job(actor=actor, kind=kind, upload=SimpleUploadedFile(name, data), mode=mode)


def run(actor, kind, data, name, mode="valid_rows") -> ImportJob:
    job = upload(actor, kind, data, name, mode)
    return engine.start(actor=actor, job=job)


RENTAL_HEADER = [
    "网格编码",
    "楼栋",
    "房号",
    "房东姓名",
    "房东身份证号",
    "状态",
    "房间数",
    "可住人数",
    "承诺书签订日期",
]
TENANT_HEADER = [
    "楼栋",
    "房号",
    "姓名",
    "身份证号码",
    "联系电话",
    "入住日期",
    "报备日期",
    "是否来自中高风险地区",
]


def rental_roll(world):
    """The village's roll of rented houses: two landlords, three rentals."""
    a = world.grid_a.code
    return [
        RENTAL_HEADER,
        [a, "冢刘村12号", "101", "刘建国", rid(11, "19600101"), "出租", "3", "6", "2022-05-01"],
        [a, "冢刘村12号", "102", "刘建国", rid(11, "19600101"), "出租", "2", "4", "2022/05/01"],
        [a, "冢刘村15号", "201", "王秀英", rid(12, "19650202"), "空置", "4", "8", "2022年5月3日"],
    ]


def tenant_roll():
    good = [
        ["冢刘村12号", "101", "张海婷", rid(21), "13812345678", "2022-05-02", "2022-05-02", "否"],
        ["冢刘村12号", "101", "李明", rid(22), "13812345679", "2022-05-02", "2022-05-03", "否"],
        ["冢刘村12号", "102", "赵强", rid(23), "", "2022-05-04", "2022-05-04", "是"],
        ["冢刘村15号", "201", "孙丽", rid(24), "13812345670", "2022-05-06", "", "否"],
    ]
    bad = [
        ["冢刘村12号", "102", "钱多", wrong_check_digit(rid(25)), "", "2022-05-04", "", "否"],  # check digit
        ["冢刘村15号", "201", "", rid(26), "", "2022-05-06", "", "否"],  # missing name
        ["冢刘村15号", "201", "周周", rid(27), "", "2022-13-45", "", "否"],  # bad date
        ["冢刘村15号", "201", "张海婷二", rid(21), "", "2022-05-02", "", "否"],  # duplicate ID
    ]
    return [TENANT_HEADER, *good[:2], bad[0], good[2], bad[1], bad[2], good[3], bad[3]], good, bad
