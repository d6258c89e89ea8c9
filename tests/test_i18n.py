"""The translation layer: the catalog is complete and compiled, the language is chosen as the
issue says (--lang, lang=, the locale), and Chinese reaches the staff through the command line."""

from __future__ import annotations

import ast
import io
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import kecheng
from kecheng import i18n
from kecheng.i18n import _, carry_language, from_environment, language, normalize, use_language
from kecheng.locale import untranslated

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "kecheng"
CATALOG = PACKAGE / "locale" / "zh_CN" / "LC_MESSAGES"
EXAMPLE = ROOT / "examples" / "small"
KECHENG = [sys.executable, "-m", "kecheng"]


# --- the catalog --------------------------------------------------------------------------------


def test_the_shipped_mo_is_the_compiled_po():
    """`pybabel compile` of kecheng.po gives exactly the shipped kecheng.mo: a stale .mo fails."""
    with open(CATALOG / "kecheng.po", "rb") as f:
        catalog = read_po(f, locale="zh_CN")
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    assert compiled.getvalue() == (CATALOG / "kecheng.mo").read_bytes(), (
        "kecheng.mo is stale: run pybabel compile -d src/kecheng/locale -D kecheng -l zh_CN"
    )
    assert len(catalog) > 300


def test_every_message_of_the_source_has_its_chinese():
    """Extracted from src/ as pybabel does: none missing from the catalog, untranslated, fuzzy, or
    with other {placeholders} than its English."""
    assert list(untranslated.problems()) == []


def test_the_untranslated_command_prints_nothing():
    done = subprocess.run(
        [sys.executable, "-m", "kecheng.locale.untranslated"], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_the_check_finds_a_message_without_chinese(tmp_path):
    """The check can fail: a module with a new message and the shipped catalog."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "mod.py").write_text('from kecheng.i18n import _\nx = _("a brand-new message {n}")\n')
    (package / "ok.py").write_text('from kecheng.i18n import _\ny = _("row {row}")\n')
    found = list(untranslated.problems(package))
    assert len(found) == 1 and "a brand-new message" in found[0] and "missing" in found[0]


def test_placeholders_survive_translation():
    with open(CATALOG / "kecheng.po", "rb") as f:
        catalog = read_po(f)
    for entry in catalog:
        if entry.id and isinstance(entry.id, str):
            assert untranslated.fields(entry.id) == untranslated.fields(entry.string), entry.id


def test_no_function_calls_underscore_while_binding_it():
    """`for x, _ in …` in a function that also calls _() makes every _() there an UnboundLocalError."""
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            scoped = {
                id(name)
                for node in ast.walk(function)
                if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp)
                for generator in node.generators
                for name in ast.walk(generator.target)
            }
            binds = any(
                isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store)
                and id(node) not in scoped
                for node in ast.walk(function)
            )  # fmt: skip
            calls = any(
                isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_"
                for node in ast.walk(function)
            )
            if binds and calls:
                bad.append(f"{path.relative_to(ROOT)}:{function.lineno} {function.name}")
    assert bad == []


# --- choosing the language ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "C"}, "en"),
        ({}, "en"),
        ({"LANG": "en_US.UTF-8", "LC_ALL": "zh_TW.UTF-8"}, "zh"),  # LC_ALL wins over LANG
        ({"LANGUAGE": "en:zh_CN", "LANG": "zh_CN.UTF-8"}, "en"),  # LANGUAGE wins over everything
        ({"LC_MESSAGES": "zh_CN", "LANG": "C.UTF-8"}, "zh"),
        ({"LANG": "de_DE.UTF-8"}, "en"),  # anything but Chinese is English
    ],
)
def test_the_locale_decides_by_default(environ, expected):
    assert from_environment(environ) == expected


def test_normalize_and_refuse():
    assert [normalize(x) for x in ("zh", "zh_CN", "zh-Hans", "中文", "en", "en_US", "C")] == ["zh"] * 4 + [
        "en"
    ] * 3
    with pytest.raises(ValueError, match="zh"):
        normalize("fr")


def test_lang_in_the_library_overrides_the_process_and_the_locale(monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert language() == "zh" and _("row {row}") == "第 {row} 行"
    with use_language("en"):
        assert language() == "en" and _("row {row}") == "row {row}"
        with use_language("zh"):
            assert _("row {row}") == "第 {row} 行"
        assert language() == "en"
    i18n.set_language("en")
    assert language() == "en"
    with use_language("zh"):
        assert language() == "zh"


def test_another_thread_sees_the_process_language_and_carry_language_hands_over_the_choice():
    """A thread starts with an empty context: it gets the process-wide language, not a
    use_language block of the thread that started it, unless the function is carried."""
    seen: dict[str, str] = {}
    i18n.set_language("en")
    with use_language("zh"):
        plain = threading.Thread(target=lambda: seen.setdefault("plain", _("Monday")))
        carried = threading.Thread(target=carry_language(lambda: seen.setdefault("carried", _("Monday"))))
        plain.start(), carried.start()
        plain.join(), carried.join()
    assert seen == {"plain": "Monday", "carried": "星期一"}


def test_library_functions_take_lang(tmp_path):
    problem = kecheng.load(EXAMPLE)
    placements = list(kecheng.greedy(problem))
    group = next(g.group_id for g in problem.groups)
    assert "session" in kecheng.explain_group(problem, group, placements, lang="en")
    assert "第" in kecheng.explain_group(problem, group, placements, lang="zh")
    broken = tmp_path / "broken"
    _copy_with(broken, "groups.csv", lambda text: text.replace(",2,", ",two,", 1))
    with pytest.raises(kecheng.InputError) as zh:
        kecheng.load(broken, lang="zh")
    with pytest.raises(kecheng.InputError) as en:
        kecheng.load(broken, lang="en")
    assert "不是整数" in str(zh.value) and "is not a whole number" in str(en.value)


# --- Chinese on the command line ----------------------------------------------------------------


def _copy_with(folder: Path, name: str, change) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for path in EXAMPLE.glob("*.csv"):
        text = path.read_text(encoding="utf-8-sig")
        (folder / path.name).write_text(change(text) if path.name == name else text, encoding="utf-8")
    return folder


def _run(*args: str, lang: str = "C.UTF-8", timeout: int = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    env |= {"LANG": lang, "COLUMNS": "120"}
    return subprocess.run(
        [*KECHENG, *args], capture_output=True, text=True, env=env, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> Path:
    """The example with one bad cell: a group's size that is not a number (row 4 of groups.csv)."""
    folder = tmp_path_factory.mktemp("broken")

    def spoil(text: str) -> str:
        lines = text.split("\n")
        header = lines[0].split(",")
        cells = lines[3].split(",")
        cells[header.index("size")] = "二十"
        lines[3] = ",".join(cells)
        return "\n".join(lines)

    return _copy_with(folder, "groups.csv", spoil)


@pytest.mark.parametrize("command", ["validate", "solve", "explain"])
def test_a_chinese_locale_gets_chinese_located_errors(broken, tmp_path, command):
    args = {
        "validate": [],
        "solve": ["--out", str(tmp_path / "out"), "--time-limit", "1"],
        "explain": ["G0001"],
    }
    done = _run(command, str(broken), *args[command], lang="zh_CN.UTF-8")
    assert done.returncode == 2, done.stderr
    assert "groups.csv，第 4 行，“size”列：“二十” 不是整数 — 应为整数，大于 0" in done.stderr, done.stderr
    if command != "validate":
        assert "没有进行求解；请修正输入后重新运行。" in done.stderr
    assert "Traceback" not in done.stderr


def test_english_stays_the_default_under_lang_c(broken):
    done = _run("validate", str(broken), lang="C")
    assert done.returncode == 2
    assert (
        'groups.csv, row 4, column "size": "二十" is not a whole number — expected a whole number'
        in done.stderr
    )


def test_the_lang_option_overrides_the_locale_anywhere_on_the_line(broken):
    english = _run("validate", str(broken), "--lang", "en", lang="zh_CN.UTF-8")
    chinese = _run("--lang=zh", "validate", str(broken), lang="C")
    assert "is not a whole number" in english.stderr and "不是整数" in chinese.stderr
    wrong = _run("--lang", "fr", "validate", str(broken))
    assert wrong.returncode == 2 and "zh" in wrong.stderr


def test_help_in_chinese_shows_input_and_switches_plainly():
    done = _run("solve", "--help", lang="zh_CN.UTF-8")
    assert done.returncode == 0
    assert "Usage: kecheng solve [OPTIONS] INPUT" in done.stdout and "{input}" not in done.stdout
    assert "<bool>" not in done.stdout and "编排本周课表" in done.stdout and "选项" in done.stdout
    english = _run("solve", "--help")
    assert "Build the week's timetable" in english.stdout and "<bool>" not in english.stdout


def test_version_and_python_dash_m():
    done = _run("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"kecheng {kecheng.__version__}"
