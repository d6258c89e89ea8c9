"""Tests speak English unless they ask for Chinese: the locale of the machine running them
(a developer's zh_CN.UTF-8) must not change what the English-text assertions see."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kecheng import i18n

LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture(autouse=True)
def english_by_default(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    i18n.set_language(None)
    yield
    i18n.set_language(None)


@pytest.fixture
def chinese() -> Iterator[None]:
    """The test runs in Chinese, as under LANG=zh_CN.UTF-8."""
    i18n.set_language("zh")
    yield
    i18n.set_language(None)
