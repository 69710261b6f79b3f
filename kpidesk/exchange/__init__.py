"""Exchange formats: sheets in and out as text, JSON and Excel.

- ``textimport``: published sheet text (PDF-to-text output) read into sheets.
- ``jsonio``: the interchange JSON, sheets to JSON and back.
"""
