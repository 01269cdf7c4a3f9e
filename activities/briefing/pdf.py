"""The briefing as PDF, the form an office signs digitally: the HTML file on disk printed by
headless Chromium (A4 comes from the page's @page rule). No network: the page loads nothing,
its Content-Security-Policy forbids loading anything, and host resolution is switched off."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

TIMEOUT_S = 60
# The one serif the PDF is printed in (shipped with the package): Liberation Serif 2, metric-
# compatible with Times New Roman and covering Vietnamese. Chromium sees no other font, so no
# glyph ("Ế", "Ỷ", "ể") falls back to another family, whatever the server has installed.
FONTS_DIR = Path(__file__).parent / "fonts"
SERIF = "Liberation Serif"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--no-first-run", "--disable-component-update", "--disable-sync", "--disable-extensions",
    "--disable-dev-shm-usage", "--host-resolver-rules=MAP * ~NOTFOUND",
    "--no-pdf-header-footer",
)
_PREFIX = "Không tạo được bản PDF của báo cáo"


class PdfError(RuntimeError):
    """Chromium is missing or failed; the message is for the person who asked for the PDF."""


def find_chromium() -> str | None:
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


def write_pdf(html: Path, pdf: Path, *, timeout: float = TIMEOUT_S) -> None:
    browser = find_chromium()
    if browser is None:
        raise PdfError(f"{_PREFIX}: máy chủ chưa cài Chromium (apt-get install chromium).")
    pdf.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="giaoviec-chromium-") as profile:
        command = [browser, *_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={pdf}",
                   html.resolve().as_uri()]
        env = {**os.environ, "FONTCONFIG_FILE": str(_fontconfig(Path(profile)))}
        # Its own process group, so a hung Chromium and its helpers are ended together.
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, start_new_session=True, env=env)
        try:
            _, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise PdfError(f"{_PREFIX}: Chromium không in xong sau {timeout:g} giây.") from None
    if process.returncode != 0:
        detail = err.decode("utf-8", "replace").strip()[-300:]
        raise PdfError(f"{_PREFIX}: Chromium báo lỗi (mã {process.returncode}). {detail}")
    if not pdf.is_file() or not pdf.read_bytes()[:5] == b"%PDF-":
        raise PdfError(f"{_PREFIX}: Chromium không tạo ra tệp PDF.")


def _fontconfig(profile: Path) -> Path:
    """A fontconfig file that shows Chromium only the shipped serif, under every name the page
    asks for (Times New Roman, serif, sans-serif)."""
    aliases = "".join(
        f"<alias binding=\"same\"><family>{name}</family><prefer><family>{SERIF}</family>"
        "</prefer></alias>"
        for name in ("Times New Roman", "Times", "serif", "sans-serif", "monospace"))
    path = profile / "fonts.conf"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f"<dir>{escape(str(FONTS_DIR))}</dir>"
        f"<cachedir>{escape(str(profile / 'fontcache'))}</cachedir>{aliases}"
        "</fontconfig>", encoding="utf-8")
    return path
