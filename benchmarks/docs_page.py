"""The benchmarks page, docs/benchmarks.md: each benchmark replaces only its own section."""

import re
from pathlib import Path

PAGE = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def replace_section(heading: str, text: str, path: Path = PAGE) -> None:
    """Put `text` (starting with `heading`) in place of that section, or append it.

    The page is read right before writing, so sections written by other runs stay as they are.
    """
    page = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    new = text.rstrip() + "\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(page):
        page = pattern.sub(lambda _: new + "\n", page, count=1).rstrip() + "\n"
    else:
        page = page.rstrip() + "\n\n" + new
    path.write_text(page, encoding="utf-8")
