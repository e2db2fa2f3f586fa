"""Every ``docs/*.md`` file that the code or the documentation points a reader to exists."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = re.compile(r"\bdocs/[\w./-]+\.md\b")


def _sources() -> list[Path]:
    found = [ROOT / "README.md", ROOT / ".env.example"]
    for folder in ("bot", "cogs", "docs", "config", "scripts"):
        found.extend(path for path in (ROOT / folder).rglob("*") if path.suffix in {".py", ".md", ".toml"})
    return found


def test_every_referenced_doc_exists() -> None:
    missing = {
        f"{source.relative_to(ROOT)} -> {target}"
        for source in _sources()
        for target in REFERENCE.findall(source.read_text(encoding="utf-8"))
        if not (ROOT / target).is_file()
    }
    assert not missing, sorted(missing)


def test_the_scan_sees_the_references_that_do_exist() -> None:
    # Guards the test above against a pattern or a folder list that silently matches nothing.
    texts = [source.read_text(encoding="utf-8") for source in _sources()]
    seen = {target for text in texts for target in REFERENCE.findall(text)}
    assert "docs/privacy.md" in seen
