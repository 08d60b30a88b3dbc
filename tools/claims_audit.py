"""Static audit of the claims in every page: find claims that cannot fail.

    python tools/claims_audit.py [FILE ...]      # default: every lecture and problem set

A claim (``ntk_course.claims.close/between/less/greater/holds``) is a test of the
sentence beside it, so it must be able to fail when that sentence is false.
This audit reads each page's source with :mod:`ast` (nothing is executed) and
reports the patterns that make a claim vacuous:

* ``same-expression``: the measured value and a bound or expected value are the
  same expression (a value compared with itself);
* ``config-constant``: the measured value, or the expected value of ``close``,
  is a configuration constant (``P["..."]``, ``config.NAME``), so the claim
  restates the configuration;
* ``rate-range``: a rate (accuracy, rate, fraction, share, probability; not a
  difference, ratio or correlation of rates) bounded below by 0 or above by its
  largest value (1, or 100 for percentages), which
  bounds nothing (``greater(acc, 0)``, ``between(rate, 0, 1)``, ``less(rate, 1)``);
* ``constant-condition``: ``holds`` on a literal (``True``, ``1``, a string).

Which sentence a claim checks cannot be read by a program: the remaining claims
are reviewed by hand against their sentences.
"""
from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLAIM_FUNCTIONS = {"close", "between", "less", "greater", "holds"}
#: words that mark the measured value as a rate in [0, 1] (or in percent)
RATE_WORDS = re.compile(r"\b(accuracy|accuracies|acc|rate|fraction|share|probability|proportion)\b",
                        re.IGNORECASE)
PERCENT_WORDS = re.compile(r"%|percent|\bpoints\b", re.IGNORECASE)
#: words that make the measured value a difference, ratio or correlation of rates,
#: which can be negative or exceed 1
NOT_A_RATE = re.compile(r"\b(minus|lost|gain|gap|difference|drop|correlation|spearman|"
                        r"standard errors|ratio|times)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    rule: str
    statement: str
    detail: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: [{self.rule}] {self.statement!r}: {self.detail}"


def pages() -> list[Path]:
    """Every lecture and problem-set source of the book."""
    return sorted((ROOT / "lectures").glob("l*.py")) + sorted((ROOT / "exercises").glob("ps*.py"))


def _statement_text(node: ast.AST) -> str:
    """The literal text of a claim's statement (f-string holes shown as {})."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return ast.unparse(node)


def _number(node: ast.AST | None):
    """The value of a numeric literal (``0.5``, ``-1``, ``1e-3``), else None."""
    if node is None:
        return None
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _is_config_constant(node: ast.AST) -> bool:
    """``P["key"]`` (the page's profile sizes) or ``config.NAME``."""
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "P":
        return True
    return (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id == "config" and node.attr.isupper())


def _claim_call(node: ast.AST) -> str | None:
    """The claim function's name if ``node`` is ``claims.<fn>(...)``."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "claims"
            and node.func.attr in CLAIM_FUNCTIONS):
        return node.func.attr
    return None


_PARAMETERS = {
    "close": ("statement", "measured", "expected"),
    "between": ("statement", "measured", "low", "high"),
    "less": ("statement", "measured", "bound"),
    "greater": ("statement", "measured", "bound"),
    "holds": ("statement", "condition"),
}


def _arguments(fn: str, call: ast.Call) -> dict[str, ast.AST]:
    names = _PARAMETERS[fn]
    args = dict(zip(names, call.args))
    args.update({k.arg: k.value for k in call.keywords if k.arg in names})
    return args


def audit_source(text: str, path: str = "<page>") -> list[Finding]:
    """Findings for one page's Python source (see the module docstring)."""
    findings = []
    for node in ast.walk(ast.parse(text)):
        fn = _claim_call(node)
        if fn is None:
            continue
        args = _arguments(fn, node)
        statement = _statement_text(args["statement"]) if "statement" in args else "?"

        def report(rule, detail, _line=node.lineno, _statement=statement):
            findings.append(Finding(path, _line, rule, _statement, detail))

        if fn == "holds":
            condition = args.get("condition")
            if isinstance(condition, ast.Constant):
                report("constant-condition", f"holds() on the literal {condition.value!r}")
            continue
        measured = args.get("measured")
        others = [args[k] for k in ("expected", "low", "high", "bound") if k in args]
        if measured is None:
            continue
        for other in others:
            if ast.dump(other) == ast.dump(measured):
                report("same-expression", f"{ast.unparse(measured)} is compared with itself")
        if _is_config_constant(measured):
            report("config-constant", f"the measured value {ast.unparse(measured)} is a configuration constant")
        if fn == "close" and "expected" in args and _is_config_constant(args["expected"]):
            report("config-constant",
                   f"expected value {ast.unparse(args['expected'])} is a configuration constant")
        if RATE_WORDS.search(statement) and not NOT_A_RATE.search(statement):
            top = 100.0 if PERCENT_WORDS.search(statement) else 1.0
            low = _number(args.get("low")) if fn == "between" else (
                _number(args.get("bound")) if fn == "greater" else None)
            high = _number(args.get("high")) if fn == "between" else (
                _number(args.get("bound")) if fn == "less" else None)
            if low is not None and low <= 0:
                report("rate-range", f"a rate bounded below by {low:g} (it cannot be negative)")
            if high is not None and high >= top:
                report("rate-range", f"a rate bounded above by {high:g} (its largest value is {top:g})")
    return findings


def audit(paths=None) -> list[Finding]:
    """Findings for the given page sources (default: every page)."""
    findings = []
    for path in paths or pages():
        path = Path(path)
        name = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
        findings += audit_source(path.read_text(), name)
    return findings


if __name__ == "__main__":
    found = audit(sys.argv[1:] or None)
    for finding in found:
        print(finding)
    print(f"{len(found)} finding(s)")
    sys.exit(1 if found else 0)
