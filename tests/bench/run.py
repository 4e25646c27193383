"""`make bench`: run every benchmark section and write docs/benchmarks.md.

Each section is a module of this folder with `run() -> str` returning its Markdown. Sections
compare against their named baselines in the same run and report ratios; the machine and the
date head the file. Run one section with `python tests/bench/run.py SECTION`.
"""

from __future__ import annotations

import compileall
import datetime
import importlib
import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = ["compile_bench", "breaking_bench", "dispatch_bench", "validate_bench"]


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def byte_compile() -> None:
    """Byte-compile wirebook and the generated package, as pip does for an installed package.

    An editable checkout runs from source, and where PYTHONDONTWRITEBYTECODE is set (as on the
    machines here) every start would compile every module again: 30 ms that no user pays.
    """
    for folder in ("generator", "generated/python", "examples"):
        compileall.compile_dir(ROOT / folder, quiet=1)


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(Path(__file__).parent))
    byte_compile()
    chosen = argv or SECTIONS
    parts = [
        "# Benchmarks\n",
        f"Written by `make bench` on {datetime.date.today().isoformat()}.  \n"
        f"Machine: {machine()}. wirebook's modules are byte-compiled first, as an installed "
        "package's are.\n",
    ]
    sections = {}
    for name in chosen:
        print(f"== {name}", flush=True)
        sections[name] = importlib.import_module(name).run()
    out = ROOT / "docs" / "benchmarks.md"
    out.parent.mkdir(exist_ok=True)
    if argv and out.exists():  # some sections: replace them in the file, keep the others
        print("\n".join(sections.values()))
        text = out.read_text(encoding="utf-8")
        for name, section in sections.items():
            text = replace_section(text, name, section)
        out.write_text(text, encoding="utf-8")
    else:
        parts.extend(f"{MARK.format(name)}\n{text}" for name, text in sections.items())
        out.write_text("\n".join(parts), encoding="utf-8")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


MARK = "<!-- section: {} -->"


def replace_section(text: str, name: str, section: str) -> str:
    """``text`` with the section of module ``name`` (from its mark to the next one) replaced,
    or added at the end. A file written before the marks: the section is found by its first
    line's start (its `## ` heading up to the first colon)."""
    mark = MARK.format(name)
    if mark not in text:
        heading = section.split("\n", 1)[0].split(":", 1)[0]
        start = text.find(heading)
        if start < 0:
            return f"{text.rstrip()}\n\n{mark}\n{section}"
        text = f"{text[:start]}{mark}\n{text[start:]}"
    start = text.index(mark)
    following = text.find("<!-- section: ", start + len(mark))
    end = len(text) if following < 0 else following
    return f"{text[:start]}{mark}\n{section}{chr(10) if following >= 0 else ''}{text[end:]}"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
