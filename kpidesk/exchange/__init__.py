"""Exchange formats: sheets in and out as text, JSON and Excel.

- ``textimport``: published sheet text (PDF-to-text output) read into sheets.
- ``jsonio``: the interchange JSON, sheets to JSON and back.
- ``xlsx_safety``: reading untrusted .xlsx files safely; ``ExcelError``.
- ``numformat``: Excel number formats, numbers written and read as typed.
- ``excel_template``: the template's contract, loading and checking a template.
- ``excel_writer``: exporting sheets into the template, by department too.
- ``evaluation_workbook``: the 評価一覧 workbook (the evaluation table).
- ``excel_reader``: reading filled workbooks back into sheets.
"""
