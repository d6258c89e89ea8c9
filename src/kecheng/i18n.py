"""Speaking the staff's language: every message a person reads goes through ``_()`` here.

The catalogs are GNU gettext: English is the message id itself, Simplified Chinese lives in
``locale/zh_CN/LC_MESSAGES/kecheng.po``, compiled to ``kecheng.mo`` and shipped inside the
package (Babel extracts and compiles them; at run time only the standard library's ``gettext``
is used). Messages with values use named placeholders, ``_("teacher {teacher} …").format(...)``,
so that a translator can put them in the order Chinese wants.

Which language: ``--lang zh|en`` on the command line or ``lang=`` in the library
(:func:`use_language`, per thread and per task), else :func:`set_language` for the process, else
the locale (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``: one starting with ``zh`` is
Chinese, anything else English). The choice is a ``ContextVar`` falling back to a process-wide
value: a thread started inside ``use_language`` does not inherit it (threads start with an empty
context), so code that renders in another thread (the progress line's refresh, the CP-SAT
callback) captures :func:`language` where it is created and renders inside ``use_language``;
a Dask task is handed the language as an argument.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache, wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

DOMAIN = "kecheng"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "zh")
"""The languages kecheng speaks: English (the message ids) and Simplified Chinese."""
_GETTEXT_NAMES = {"zh": "zh_CN", "en": "en"}
_ENVIRONMENT = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_chosen: ContextVar[str | None] = ContextVar("kecheng_language", default=None)
_process: str | None = None

P = ParamSpec("P")
R = TypeVar("R")


def normalize(lang: str) -> str:
    """ "zh", "zh_CN", "zh-Hans", "中文" → "zh"; "en", "en_US", "C" → "en"; ValueError otherwise."""
    text = str(lang).strip()
    key = text.lower().replace("-", "_")
    if key.startswith("zh") or text in ("中文", "简体中文"):
        return "zh"
    if key.startswith("en") or key in ("c", "posix"):
        return "en"
    raise ValueError(f"unknown language {lang!r}; choose zh (中文) or en (English)")


def from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The language the locale asks for: the first of LANGUAGE, LC_ALL, LC_MESSAGES, LANG that is
    set decides; one starting with "zh" (zh_CN.UTF-8) is Chinese, anything else English."""
    environ = os.environ if environ is None else environ
    for name in _ENVIRONMENT:
        value = environ.get(name, "").split(":")[0].strip()
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def language() -> str:
    """The language messages are given in right now, in this thread: "zh" or "en"."""
    return _chosen.get() or _process or from_environment()


def set_language(lang: str | None) -> None:
    """Choose the language for the whole process (every thread); None: follow the locale again."""
    global _process
    _process = None if lang is None else normalize(lang)


@contextmanager
def use_language(lang: str | None) -> Iterator[str]:
    """Within the block, in this thread (or task), messages are in ``lang``; None changes nothing."""
    if lang is None:
        yield language()
        return
    token = _chosen.set(normalize(lang))
    try:
        yield language()
    finally:
        _chosen.reset(token)


def in_language(function: Callable[P, R]) -> Callable[P, R]:
    """Give a library function a ``lang=`` keyword: its messages come in that language."""

    @wraps(function)
    def wrapper(*args: Any, lang: str | None = None, **kwargs: Any) -> R:
        with use_language(lang):
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def carry_language(function: Callable[P, R]) -> Callable[P, R]:
    """``function`` wrapped to run in the caller's language, for handing to another thread."""
    lang = language()

    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with use_language(lang):
            return function(*args, **kwargs)

    return wrapper


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of ``lang`` (English: none, the ids are English)."""
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[_GETTEXT_NAMES[lang]], fallback=True)


def _(message: str) -> str:
    """``message`` in the current language."""
    return translations(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form for ``n`` (Chinese has one form; English two); fill in ``{n}`` with ``.format``."""
    return translations(language()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in the current language, told apart from the same English word elsewhere."""
    return translations(language()).pgettext(context, message)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it yet (tables of words, translated
    where they are shown, in the language of that moment)."""
    return message


def is_chinese() -> bool:
    return language() == "zh"


# ---------------------------------------------------------------- words shared by many messages

WEEKDAY_NAMES = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"),
                 N_("Sunday"))  # fmt: skip
WEEKDAY_SHORT = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


def weekday(day: int, short: bool = False) -> str:
    """Weekday 1…7 in words: "Monday" / "星期一" (short: "Mon" / "周一")."""
    return _((WEEKDAY_SHORT if short else WEEKDAY_NAMES)[day - 1])


def join(items: Iterator[str] | list[str] | tuple[str, ...]) -> str:
    """A list in words: "a, b, c" in English, "a、b、c" in Chinese."""
    return pgettext("list separator", ", ").join(items)


def labelled(name: str | None, ident: str) -> str:
    """A name beside its id, as a person reads it: "李明 (T0210)"; the id alone without a name."""
    return f"{name} ({ident})" if name and name != ident else ident
