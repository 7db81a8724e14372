"""Importing from Excel and CSV files: see engine.py for the registry's flow.

This package is also the one import toolkit of the platform; screening lists (协查), risk areas and
lab results use it too:

- reading.py: `open_table(raw, name, kind_or_fields, sheet=, needs=, no_header=)` → `Table`
  (`headers`, `header_row`, `sheet`, `sheet_names`, `rows()`, `scan()`); `sheet_names()`,
  `cell_text()` (numbers come back as `values.NumberCell`). xlsx/xls/ods/CSV in UTF-8 or GBK,
  title rows, several sheets, merged cells filled, formulas never evaluated.
- fields.py: `Field` (a column with its header synonyms), `detect_mapping(kind_or_fields, headers)`.
- values.py: `text, parse_date, parse_int, parse_bool, choice, document, phone` (also importable
  from processors.py), `MANGLED`, `is_mangled`, `column_is_mangled`, `guess_id_type`.
- engine.py: `ErrorBook` (the error file: the file's columns plus 错误原因, re-importable).
"""
