"""The bot speaks in each site's own name: no office, document or place of the example city is written in
the product code (the site's settings and its list supply them). Tests and examples may use them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PRODUCT = (
    "acts",
    "domain",
    "handlers",
    "replies",
    "channels",
    "jobs",
    "reports",
    "storage",
    "bot",
    "sheetread",
    "webread",
)
# Nowhere in domain/, handlers/, replies/, channels/, jobs/, not even in a comment.
CITY = re.compile(r"楚雄|鹿城|市政府办|承诺书第|第九条")
# Never in a string the product code can say (docstrings are documentation, not speech).
SAID = re.compile(r"楚雄|鹿城|市政府办|承诺书第|第九条|市财政局|市教育局|市属各部门")


def product_files() -> list[Path]:
    return sorted(p for package in PRODUCT for p in (REPO / package).rglob("*.py"))


def said_strings(tree: ast.AST) -> list[tuple[int, str]]:
    docstrings: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def test_the_scan_finds_what_it_looks_for():
    tree = ast.parse('"""Docs: 市财政局."""\nx = f"报告{a}和市政府办公室"\n')
    assert [s for _, s in said_strings(tree) if SAID.search(s)] == ["和市政府办公室"]


def test_no_string_the_bot_can_say_names_the_example_city():
    found = [
        f"{path.relative_to(REPO)}:{line}: {text[:60]}"
        for path in product_files()
        for line, text in said_strings(ast.parse(path.read_text(encoding="utf-8")))
        if SAID.search(text)
    ]
    assert found == []


def test_the_core_and_the_chat_side_do_not_mention_the_example_city_at_all():
    found = [
        f"{path.relative_to(REPO)}:{n}: {line.strip()[:60]}"
        for package in ("domain", "handlers", "replies", "channels", "jobs")
        for path in sorted((REPO / package).rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if CITY.search(line)
    ]
    assert found == []
