"""Write the user manual as a printable PDF: ``make manual-pdf``.

The same PDF as ヘルプ → マニュアルをPDFに保存… (:mod:`kpidesk.printing.manual_pdf`).

    QT_QPA_PLATFORM=offscreen python tools/manual_pdf.py [OUT.pdf]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtGui import QGuiApplication  # noqa: E402

#: Where ``make manual-pdf`` writes the PDF.
DEFAULT_OUT = ROOT / "dist" / "KPIDesk-manual.pdf"


def main(argv: list[str]) -> int:
    from kpidesk.printing.manual_pdf import write_manual_pdf

    out = Path(argv[0]) if argv else DEFAULT_OUT
    out.parent.mkdir(parents=True, exist_ok=True)
    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    write_manual_pdf(out)
    del app
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
