"""The monthly ledger as PDF: the same .xlsx, rendered by LibreOffice headless.

LibreOffice prints the workbook with the print set-up it carries (A4, margins, repeated
header row, page numbers), so the PDF and a printed .xlsx are one design, not two. Each
conversion runs in its own temporary directory with its own LibreOffice profile (two at once
would otherwise fight over one profile's lock) and a time limit. ``reports/pdf_fonts`` maps
the workbook's 宋体 to Noto Serif CJK SC, so Chinese is printed in Simplified forms.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.utils.translation import gettext as _

from .ledger import write_ledger

TIMEOUT_SECONDS = 180
FONTS_CONF = Path(__file__).resolve().parent / "pdf_fonts" / "fonts.conf"
COMMANDS = ("soffice", "libreoffice")


class PdfUnavailable(Exception):
    """No PDF could be made; the message says why, in words for the person who asked."""


def soffice() -> str | None:
    return next((path for name in COMMANDS if (path := shutil.which(name))), None)


def xlsx_to_pdf(xlsx: Path, *, timeout: int = TIMEOUT_SECONDS) -> bytes:
    program = soffice()
    if program is None:
        raise PdfUnavailable(
            _("PDF export is not installed on this server (LibreOffice is missing); download the .xlsx instead.")
        )
    with tempfile.TemporaryDirectory(prefix="ledger-pdf-") as work:
        work = Path(work)
        source = work / "ledger.xlsx"
        shutil.copyfile(xlsx, source)
        command = [
            program,
            "--headless",
            "--norestore",
            "--nolockcheck",
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work),
            str(source),
        ]
        env = {**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF), "HOME": str(work)}
        try:
            # The program is the one found on PATH; the arguments are ours, no shell.
            subprocess.run(command, env=env, cwd=work, capture_output=True, timeout=timeout, check=False)  # noqa: S603
        except subprocess.TimeoutExpired:
            raise PdfUnavailable(
                _("Making the PDF took longer than %(seconds)d seconds; download the .xlsx instead.")
                % {"seconds": timeout}
            ) from None
        result = work / "ledger.pdf"
        if not result.exists():
            raise PdfUnavailable(_("The PDF could not be made; download the .xlsx instead."))
        return result.read_bytes()


def write_ledger_pdf(target, **kwargs):
    """``write_ledger`` to a temporary .xlsx, then that file as PDF to ``target`` (a path or a file).

    Returns the indicators, as ``write_ledger`` does. Raises ``PdfUnavailable``.
    """
    with tempfile.TemporaryDirectory(prefix="ledger-") as work:
        xlsx = Path(work) / "ledger.xlsx"
        figures = write_ledger(str(xlsx), **kwargs)
        data = xlsx_to_pdf(xlsx)
    if hasattr(target, "write"):
        target.write(data)
    else:
        Path(target).write_bytes(data)
    return figures
