"""Make ``excel_serial.xlsx``: a long log whose dates are Excel serial numbers.

Run from anywhere: ``python tests/malformed/make_excel_serial.py``. The test
suite checks that the committed workbook holds exactly the cells below, so a
change here must be followed by running the script again.

Excel counts days from 1899-12-30 (day 1 is 1900-01-01, and its fictitious
1900-02-29 shifts every later date by one). 45352 is 2024-03-01 and the
fraction is the time of day: 45359.75 is 2024-03-08 18:00.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

HEADER = ("application_id", "event", "timestamp", "salary")
ROWS: tuple[tuple[object, ...], ...] = (
    ("a1", "applied", 45352, 55000),
    ("a1", "rejection", 45359.75, 55000),
    ("a2", "applied", dt.datetime(2024, 3, 2, 9, 30), None),  # a real date cell
    ("a2", "screen", -5, None),  # not an Excel date: quarantined
    ("a3", "applied", "2024-03-03", "N/A"),  # text in a date column still reads
)
PATH = Path(__file__).with_name("excel_serial.xlsx")


def make(path: Path = PATH) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "log"
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    book.save(path)
    return path


if __name__ == "__main__":
    print(make())
