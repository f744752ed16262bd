"""Regenerate tests/fixtures/pdf/: Word-made, two-column, partly scanned and 60-page plans, with Markdown twins."""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image
from pypdf import PdfReader, PdfWriter

sys.path.insert(0, str(Path(__file__).parent))

import build_columns  # noqa: E402
import build_word  # noqa: E402
import content  # noqa: E402

OUT = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "pdf"
SCANNED_PAGE = 4  # PDF page 4, printed "2": Läsfrämjande, Nationella minoriteter, Digital delaktighet


def scan(pdf: Path, page: int, dpi: int = 200) -> bytes:
    """One page rendered to a greyscale image and wrapped as an image-only PDF page, as a scanner makes it."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-gray", "-png", "-f", str(page), "-l", str(page), "-singlefile",
             str(pdf), f"{tmp}/scan"],
            check=True,
        )  # fmt: skip
        image = Image.open(f"{tmp}/scan.png").convert("L")
        buffer = io.BytesIO()
        image.save(buffer, "PDF", resolution=dpi)
    return buffer.getvalue()


def with_scanned_page(pdf: Path, page: int, out: Path) -> None:
    """The plan with one page replaced by its scan (no text layer)."""
    source = PdfReader(pdf)
    scanned = PdfReader(io.BytesIO(scan(pdf, page)))
    writer = PdfWriter()
    for index, original in enumerate(source.pages, start=1):
        writer.add_page(scanned.pages[0] if index == page else original)
    with out.open("wb") as handle:
        writer.write(handle)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    word = build_word.build(OUT / "biblioteksplan-word.pdf")
    build_columns.build(OUT / "biblioteksplan-tvaspalt.pdf")
    with_scanned_page(word, SCANNED_PAGE, OUT / "biblioteksplan-skannad.pdf")
    (OUT / "skannad-sida.pdf").write_bytes(scan(word, SCANNED_PAGE))
    build_word.build(OUT / "biblioteksplan-60-sidor.pdf", repeat=29)
    twin = content.markdown()
    for stem in ("biblioteksplan-word", "biblioteksplan-tvaspalt", "biblioteksplan-skannad"):
        (OUT / f"{stem}.md").write_text(twin, "utf-8")
    for path in sorted(OUT.glob("*.pdf")):
        print(f"{path.name}: {len(PdfReader(path).pages)} pages, {path.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
