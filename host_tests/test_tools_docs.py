"""The repository stands alone: every relative link of README.md and docs/*.md resolves inside it."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))
INLINE = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)", re.MULTILINE)
EXTERNAL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")  # https:, mailto:, ...


def without_code_blocks(text):
    return re.sub(r"^(```|~~~).*?^\1[^\n]*$", "", text, flags=re.MULTILINE | re.DOTALL)


def prose(text):
    """The text without fenced code blocks and inline code, where brackets are not links."""
    return re.sub(r"`[^`\n]*`", "", without_code_blocks(text))


def links(path):
    text = prose(path.read_text(encoding="utf-8"))
    return [target for target in INLINE.findall(text) + REFERENCE.findall(text) if not EXTERNAL.match(target)]


def anchors(path):
    """The heading anchors GitHub makes for a Markdown file (lower case, punctuation dropped, spaces to -)."""
    found, seen = set(), {}
    for line in without_code_blocks(path.read_text(encoding="utf-8")).splitlines():
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not heading:
            continue
        slug = re.sub(r"[^\w\- ]", "", heading.group(1).lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else "%s-%d" % (slug, count))
    return found


def test_there_are_documents_and_links_to_check():
    assert (ROOT / "docs" / "behaviour.md") in DOCUMENTS
    assert sum(len(links(path)) for path in DOCUMENTS) >= 10


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_resolves_inside_the_repository(document):
    broken = []
    for target in links(document):
        name, _, anchor = target.partition("#")
        resolved = (document.parent / name).resolve() if name else document
        if ROOT not in resolved.parents and resolved != ROOT:
            broken.append("%s: leaves the repository" % target)
        elif not resolved.exists():
            broken.append("%s: no such file" % target)
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append("%s: no heading #%s in %s" % (target, anchor, resolved.relative_to(ROOT)))
    assert not broken, "%s has broken links:\n%s" % (document.relative_to(ROOT), "\n".join(broken))


def test_the_readme_links_the_behaviour_document_and_the_license():
    targets = links(ROOT / "README.md")
    assert "docs/behaviour.md" in targets
    assert "LICENSE" in targets
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


def test_anchors_follow_githubs_rules():
    assert anchors(ROOT / "README.md") >= {"make-run-the-firmware-on-a-simulated-house",
                                           "control-quality-make-bench-control", "installer-settings"}
