"""Mutation testing of chosen modules: does the test suite notice when the code is wrong?

    .venv/bin/python scripts/mutation.py programmes/services.py -- tests/programmes
    .venv/bin/python scripts/mutation.py clara/keyfigures/selectors.py --list

Each mutant changes one thing in the module's source (see OPERATORS), is written in place,
and the given tests run against it (`pytest -x`, so a killed mutant stops at its first failing
test); the original file is always restored. A mutant the tests do not notice "survives" and is
printed with its line, so that a test can be written for it, or the mutant recognised as
harmless (one that changes no published figure and no permitted move, e.g. an error message).

Operators (the mistakes that matter in rules and figures):
- comparisons flipped (== / !=, < / <=, > / >=, in / not in, is / is not);
- `and` / `or` swapped, `not` removed;
- True / False swapped; integer constants moved by one;
- a lookup loosened or tightened in a keyword argument (`__gte` -> `__gt`, `__lte` -> `__lt`,
  and back), a keyword argument dropped from a call (a filter condition forgotten);
- a `raise` removed (a check skipped), an `if` test forced to True or False;
- a string constant used as a keyword value (a status, a kind) replaced by another value;
- in the key figures, a programme or event kind swapped for "other", a catalogue entry's
  condition dropped.

Not a timed test and not part of CI: it runs the tests once per mutant (minutes). Its last
results are in the README.
"""

from __future__ import annotations

import argparse
import ast
import copy
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

COMPARE_SWAPS = {
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.LtE, ast.LtE: ast.Lt,
    ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.In: ast.NotIn, ast.NotIn: ast.In,
    ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}
# Names the key-figures module gives to enumerations that have an OTHER member.
KIND_ALIASES = {"P", "E"}
LOOKUP_SWAPS = {"__gte": "__gt", "__gt": "__gte", "__lte": "__lt", "__lt": "__lte"}


@dataclass
class Mutant:
    index: int
    line: int
    description: str


class _Counter(ast.NodeTransformer):
    """Walks the tree; at the `target`-th mutation point applies the mutation. With no target,
    only lists the points."""

    def __init__(self, target: int | None = None):
        self.target = target
        self.points: list[Mutant] = []
        self.applied: Mutant | None = None
        self._docstrings: set[int] = set()

    def _point(self, node, description) -> bool:
        index = len(self.points)
        mutant = Mutant(index, getattr(node, "lineno", 0), description)
        self.points.append(mutant)
        if index == self.target:
            self.applied = mutant
            return True
        return False

    def visit_Module(self, node):
        self._mark_docstrings(node)
        return self.generic_visit(node)

    def _mark_docstrings(self, node):
        for child in ast.walk(node):
            body = getattr(child, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(
                body[0].value, ast.Constant
            ):
                self._docstrings.add(id(body[0].value))

    def visit_Compare(self, node):
        self.generic_visit(node)
        for position, op in enumerate(node.ops):
            swap = COMPARE_SWAPS.get(type(op))
            if swap and self._point(node, f"{type(op).__name__} -> {swap.__name__}"):
                node.ops[position] = swap()
        return node

    def visit_BoolOp(self, node):
        self.generic_visit(node)
        other = ast.Or if isinstance(node.op, ast.And) else ast.And
        if self._point(node, f"{type(node.op).__name__} -> {other.__name__}"):
            node.op = other()
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Not) and self._point(node, "not removed"):
            return node.operand
        return node

    def visit_Constant(self, node):
        if id(node) in self._docstrings:
            return node
        if isinstance(node.value, bool):
            if self._point(node, f"{node.value} -> {not node.value}"):
                return ast.copy_location(ast.Constant(not node.value), node)
        elif isinstance(node.value, int) and self._point(node, f"{node.value} -> {node.value + 1}"):
            return ast.copy_location(ast.Constant(node.value + 1), node)
        return node

    def visit_Attribute(self, node):
        self.generic_visit(node)
        # A kind of record swapped for another (Event.Kind.FORUM -> Event.Kind.OTHER).
        if (node.attr.isupper() and node.attr != "OTHER" and isinstance(node.value, ast.Name)
                and node.value.id in KIND_ALIASES
                and self._point(node, f"{node.value.id}.{node.attr} -> {node.value.id}.OTHER")):
            node.attr = "OTHER"
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        name = getattr(node.func, "id", "")
        # A catalogue entry's condition forgotten.
        if name == "Figure" and len(node.args) >= 7 and self._point(node, "condition dropped"):
            del node.args[6]
            return node
        for position, keyword in enumerate(list(node.keywords)):
            if keyword.arg is None:
                continue
            for suffix, replacement in LOOKUP_SWAPS.items():
                if keyword.arg.endswith(suffix) and self._point(
                    node, f"{keyword.arg} -> {keyword.arg[: -len(suffix)] + replacement}"
                ):
                    keyword.arg = keyword.arg[: -len(suffix)] + replacement
                    break
            droppable = "__" in keyword.arg or _is_query_value(keyword.value)
            if droppable and self._point(node, f"keyword {keyword.arg}= dropped"):
                del node.keywords[position]
                return node
            text = isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str)
            if text and self._point(node, f"{keyword.arg}={keyword.value.value!r} -> 'mutant'"):
                keyword.value = ast.copy_location(ast.Constant("mutant"), keyword.value)
        return node

    def visit_Raise(self, node):
        self.generic_visit(node)
        if self._point(node, "raise removed"):
            return ast.copy_location(ast.Pass(), node)
        return node

    def visit_If(self, node):
        self.generic_visit(node)
        for forced in (True, False):
            if self._point(node, f"if test forced to {forced}"):
                node.test = ast.copy_location(ast.Constant(forced), node.test)
                return node
        return node


def _is_query_value(value) -> bool:
    """A keyword value naming a status or kind (`Status.SELECTED`, `P.ONCOSTARTER`)."""
    return isinstance(value, ast.Attribute) and value.attr.isupper()


def mutation_points(source: str) -> list[Mutant]:
    counter = _Counter()
    counter.visit(ast.parse(source))
    return counter.points


def mutate(source: str, index: int) -> tuple[str, Mutant]:
    counter = _Counter(index)
    tree = counter.visit(copy.deepcopy(ast.parse(source)))
    ast.fix_missing_locations(tree)
    return ast.unparse(tree), counter.applied


def run_tests(tests: list[str], timeout: int) -> bool:
    """True when the tests pass (the mutant survives)."""
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
    try:
        result = subprocess.run(  # noqa: S603
            command, cwd=ROOT, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return False  # an endless loop is noticed
    return result.returncode == 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("module", help="path of the module to mutate")
    parser.add_argument("tests", nargs="*", help="pytest arguments (after --)")
    parser.add_argument("--list", action="store_true", help="only list the mutation points")
    parser.add_argument("--only", type=str, default="", help="comma-separated mutant numbers")
    parser.add_argument("--timeout", type=int, default=600)
    args = parser.parse_intermixed_args(argv)

    path = (ROOT / args.module).resolve()
    original = path.read_text()
    points = mutation_points(original)
    if args.list:
        for point in points:
            print(f"#{point.index:3d} line {point.line:4d}: {point.description}")
        return 0
    if not run_tests(args.tests, args.timeout):
        print("The tests fail on the unmutated code: fix them first.")
        return 2
    chosen = [int(n) for n in args.only.split(",") if n] or range(len(points))
    survivors = []
    started = time.monotonic()
    try:
        for index in chosen:
            mutated, mutant = mutate(original, index)
            path.write_text(mutated)
            survived = run_tests(args.tests, args.timeout)
            status = "SURVIVED" if survived else "killed"
            print(f"#{index:3d} line {mutant.line:4d}: {mutant.description:<55} {status}",
                  flush=True)
            if survived:
                survivors.append(mutant)
    finally:
        path.write_text(original)
    print(f"\n{args.module}: {len(chosen)} mutants, {len(survivors)} survived "
          f"({time.monotonic() - started:.0f} s)")
    for mutant in survivors:
        print(f"  survivor #{mutant.index} line {mutant.line}: {mutant.description}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
