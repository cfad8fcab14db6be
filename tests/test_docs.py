"""The complete programs in the docs run: every ```python block that starts with `import`."""
import re
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```python\n(import .*?)```", re.S)
PROGRAMS = [(page, code) for page in PAGES for code in BLOCK.findall(page.read_text())]


def test_the_docs_have_complete_programs():
    assert {page.name for page, _ in PROGRAMS} >= {"README.md", "routes-and-streaming.md"}


@pytest.mark.parametrize("page, code", PROGRAMS,
                         ids=[f"{p.name}-{i}" for i, (p, _) in enumerate(PROGRAMS)])
def test_doc_program_runs(page, code, capsys, kept_file):
    script = kept_file(f"doc_{page.stem.replace('-', '_')}.py", code)  # tasks need a source file
    runpy.run_path(str(script), run_name="__main__")
    assert capsys.readouterr().out.strip(), f"{page.name}: the program printed nothing"


TEST_BLOCK = re.compile(r"```python\n# (test_\w+\.py)\n(.*?)```", re.S)
TEST_FILES = [(page, name, code) for page in PAGES for name, code in TEST_BLOCK.findall(page.read_text())]


def test_the_testing_page_has_test_files():
    assert len({name for page, name, _ in TEST_FILES if page.name == "testing.md"}) >= 4


def test_doc_test_files_pass(kept_project):
    """The docs' pytest files pass under pytest with the plugin, compiled and as plain Python."""
    kept_project.files(**{"test_docpage_" + name[len("test_"):-3]: code   # prefixed: a name of
                          for _, name, code in TEST_FILES})               # tests/ may be imported
    result = kept_project.run("--pywse-jit=both")
    n_tests = sum(code.count("\ndef test_") for _, _, code in TEST_FILES)
    result.assert_outcomes(passed=2 * n_tests)


def test_every_public_error_and_warning_has_its_reference_entry():
    """The API reference lists each error class by hand (to keep them in one section), so a
    new one is easy to forget."""
    import pywse as pw
    page = (ROOT / "docs" / "api" / "pywse.md").read_text()
    classes = [n for n in pw.__all__ if isinstance(getattr(pw, n), type)
               and issubclass(getattr(pw, n), (pw.PywseError, Warning))]
    assert len(classes) >= 15
    assert [n for n in classes if f"::: pywse.{n}" not in page] == []
