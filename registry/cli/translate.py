"""Wrappers around pybabel: extract, update and compile the message catalogues."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click

group = click.Group("translate", help="Translations (Flask-Babel).")

ROOT = Path(__file__).resolve().parent.parent.parent
TRANSLATIONS = ROOT / "registry" / "translations"
POT = ROOT / "messages.pot"


def _babel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True)  # noqa: S603


@group.command("update")
def update() -> None:
    """Extract messages and merge them into the nl and en catalogues."""
    keywords = ["-k", "_l", "-k", "N_", "-k", "_ln:1,2", "-k", "lazy_ngettext:1,2"]
    _babel("extract", "-F", str(ROOT / "babel.cfg"), *keywords, "-o", str(POT), str(ROOT))
    _babel("update", "-i", str(POT), "-d", str(TRANSLATIONS), "--no-fuzzy-matching")


@group.command("compile")
def compile_() -> None:
    """Compile the catalogues to .mo files."""
    _babel("compile", "-d", str(TRANSLATIONS))
