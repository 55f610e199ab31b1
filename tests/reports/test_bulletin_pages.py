"""The 季通报 as people will see it: the Word document of a simulated quarter of the example city rendered by
LibreOffice (headless) to PDF, and its pages to PNG with poppler's pdftoppm; the pages carry the four parts
in order, the three charts as images, and the annex table's last row. `make test` installs both from Debian
(scripts/ensure-office.sh)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from reports.bulletin import LETTERS, PARTS, bulletin_docx, gather_quarter
from storage.db import session_scope
from storage.sites import site_named
from tests.conftest import at

pytestmark = pytest.mark.slow
PNG = b"\x89PNG\r\n\x1a\n"


def _run(*args: str, cwd: Path) -> str:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"{args[0]} failed: {done.stderr[-2000:]}"
    return done.stdout


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_bulletin_s_pages_render_with_the_four_parts_and_the_charts(
    quarter_city, judge, tmp_path
) -> None:
    for tool in ("soffice", "pdftoppm", "pdftotext", "pdfimages"):
        assert shutil.which(tool), f"{tool} is missing: make test installs it (scripts/ensure-office.sh)"
    with session_scope(quarter_city) as s:
        data = gather_quarter(s, at("2027-01-04 09:00"), judge, site_named(s, None), "2026Q4")
    docx = tmp_path / "bulletin.docx"
    docx.write_bytes(bulletin_docx(data))
    # A profile of its own: LibreOffice refuses to start a second instance on a shared one.
    profile = (tmp_path / "lo-profile").as_uri()
    _run(
        "soffice",
        f"-env:UserInstallation={profile}",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        str(tmp_path),
        str(docx),
        cwd=tmp_path,
    )
    pdf = tmp_path / "bulletin.pdf"
    assert pdf.exists()

    text = _run("pdftotext", "-layout", str(pdf), "-", cwd=tmp_path)
    flat = "".join(text.split())  # LibreOffice may break a line anywhere in Chinese text
    positions = [flat.index("".join(part.split())) for part in PARTS]
    assert positions == sorted(positions)
    assert flat.startswith("关于2026年第4季度") and "首页/市长信箱" in flat and LETTERS in flat

    # The three charts are in the pages as pictures (pdfimages lists one line per image after its header).
    images = [line for line in _run("pdfimages", "-list", str(pdf), cwd=tmp_path).splitlines()[2:] if line]
    assert len(images) >= 3

    _run("pdftoppm", "-png", "-r", "50", str(pdf), str(tmp_path / "page"), cwd=tmp_path)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2 and all(p.read_bytes()[:8] == PNG for p in pages)
