"""Blank templates offered for download: one sheet with the Chinese headers (required ones
marked *), one sheet of instructions."""

from __future__ import annotations

import io

import xlsxwriter
from django.utils.translation import gettext as _

from wangge.registry.imports.fields import CHOICE_WORDS, FIELDS
from wangge.registry.models import ImportKind

CHOICE_GROUP = {
    (ImportKind.BUILDINGS, "kind"): "building_kind",
    (ImportKind.RENTALS, "kind"): "rental_kind",
    (ImportKind.RENTALS, "status"): "rental_status",
    (ImportKind.PEOPLE, "status"): "status",
    (ImportKind.PEOPLE, "relation"): "relation",
    (ImportKind.PEOPLE, "id_type"): "id_type",
    (ImportKind.TENANTS, "id_type"): "id_type",
    (ImportKind.HOUSEHOLDS, "head_id_type"): "id_type",
}


def template_filename(kind: str) -> str:
    return f"wangge-{kind}-template.xlsx"


def template_bytes(kind: str) -> bytes:
    fields = FIELDS[kind]
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    head = book.add_format({"bold": True, "bg_color": "#e8f0fe", "border": 1})
    required = book.add_format({"bold": True, "bg_color": "#fde7e9", "border": 1})
    as_text = book.add_format({"num_format": "@"})
    sheet = book.add_worksheet("数据")
    for col, f in enumerate(fields):
        sheet.write_string(
            0, col, f"*{f.header}" if f.required else f.header, required if f.required else head
        )
        sheet.set_column(col, col, max(10, len(f.header) * 2 + 4), as_text if f.text else None)
        group = CHOICE_GROUP.get((kind, f.key))
        if group:
            words = [w[0] for w in CHOICE_WORDS[group].values()]
            sheet.data_validation(
                1,
                col,
                5000,
                col,
                {"validate": "list", "source": words, "ignore_blank": True, "show_error": False},
            )
    sheet.freeze_panes(1, 0)
    notes = book.add_worksheet(_("Instructions"))
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    notes.set_column(0, 0, 22)
    notes.set_column(1, 1, 10)
    notes.set_column(2, 2, 80)
    notes.write_string(0, 0, _("Column"), head)
    notes.write_string(0, 1, _("Required"), head)
    notes.write_string(0, 2, _("What to write"), head)
    for i, f in enumerate(fields, start=1):
        group = CHOICE_GROUP.get((kind, f.key))
        help_text = str(f.help or "")
        if group and not help_text:
            help_text = "、".join(w[0] for w in CHOICE_WORDS[group].values())
        synonyms = "、".join(f.synonyms)
        if synonyms:
            help_text = (help_text + "\n" if help_text else "") + _("Also recognised as: %(names)s") % {
                "names": synonyms
            }
        notes.write_string(i, 0, f.header, wrap)
        notes.write_string(i, 1, _("yes") if f.required else "", wrap)
        notes.write_string(i, 2, help_text, wrap)
    n = len(fields) + 2
    for line in (
        _("Keep the header row; the order of the columns does not matter, and extra columns are ignored."),
        _("ID numbers and phone numbers are text: do not let Excel turn them into numbers."),
        _(
            "Importing the same file again creates no duplicates: records are matched by their ID number or address."
        ),
        _(
            "Rows with errors come back in a file with a column 错误原因: fix them there and import that file."
        ),
    ):
        notes.write_string(n, 0, line)
        n += 1
    book.close()
    return out.getvalue()
