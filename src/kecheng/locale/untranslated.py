"""List every message of the source that has no Chinese: ``python -m kecheng.locale.untranslated``.

It extracts the messages from the package's own modules as ``pybabel extract`` does, reads
``zh_CN/LC_MESSAGES/kecheng.po`` and prints one line per message that is missing from the catalog,
untranslated, fuzzy, or whose ``{placeholders}`` differ from the English; it prints nothing and
exits 0 when all is translated (exit 1 otherwise). Needs Babel (a development dependency:
``pip install -e ".[test]"``); kecheng itself reads the compiled ``.mo`` with the standard library.

Maintainers' cycle, from the repository root::

    pybabel extract -F src/kecheng/locale/babel.cfg --no-location --sort-output \\
        -o /tmp/kecheng.pot src/kecheng
    pybabel update -i /tmp/kecheng.pot -d src/kecheng/locale -D kecheng -l zh_CN --no-fuzzy-matching
    (translate the new entries in kecheng.po)
    pybabel compile -d src/kecheng/locale -D kecheng -l zh_CN
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
CATALOG = PACKAGE / "locale" / "zh_CN" / "LC_MESSAGES" / "kecheng.po"
_FIELD = re.compile(r"(?<!\{)\{([a-zA-Z_][a-zA-Z0-9_]*)[^{}]*\}")


Key = tuple[str | None, str | tuple[str, str]]
"""(context or None, message id or (singular, plural))."""


def extracted(package: Path = PACKAGE) -> dict[Key, tuple[str, int]]:
    """Every message in the package's modules, with the file and line where it is first found."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

    found: dict[Key, tuple[str, int]] = {}
    for filename, line, message, _comments, context in extract_from_dir(
        str(package), [("**.py", "python")], keywords=DEFAULT_KEYWORDS
    ):
        ident = message if isinstance(message, str) else (message[0], message[1])
        found.setdefault((context or None, ident), (filename, line))
    return found


def fields(text: str) -> set[str]:
    """The named placeholders of a message: "{teacher} …" → {"teacher"}."""
    return set(_FIELD.findall(text))


def problems(package: Path = PACKAGE, catalog_path: Path = CATALOG) -> Iterator[str]:
    """One line per message without a usable Chinese translation."""
    from babel.messages.pofile import read_po

    with open(catalog_path, "rb") as f:
        catalog = read_po(f)
    for (context, ident), (filename, line) in sorted(extracted(package).items(), key=lambda kv: kv[1]):
        english = ident if isinstance(ident, tuple) else (ident,)
        shown = english[0] if context is None else f"{context}|{english[0]}"
        where = f"{filename}:{line}"
        message = catalog.get(english[0], context=context)
        if message is None:
            yield f"{where}: missing from the catalog: {shown!r}"
            continue
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        if not all(strings) or message.fuzzy:
            yield f"{where}: not translated{' (fuzzy)' if message.fuzzy else ''}: {shown!r}"
            continue
        wanted = set().union(*(fields(text) for text in english))
        if any(fields(text) != wanted for text in strings):
            yield f"{where}: the placeholders differ from the English {sorted(wanted)}: {shown!r}"


def main() -> int:
    lines = list(problems())
    for line in lines:
        print(line)
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
