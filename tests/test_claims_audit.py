"""Every claim in the book must be able to fail: the static audit finds none that cannot.

The audit itself (tools/claims_audit.py) is tested first on small sources with
one vacuous claim each, so that a page passing it means something.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_SPEC = importlib.util.spec_from_file_location(
    "claims_audit", Path(__file__).resolve().parents[1] / "tools" / "claims_audit.py")
claims_audit = importlib.util.module_from_spec(_SPEC)
sys.modules["claims_audit"] = claims_audit  # dataclasses look their module up
_SPEC.loader.exec_module(claims_audit)


def rules(source: str) -> list[str]:
    return [f.rule for f in claims_audit.audit_source(source)]


@pytest.mark.parametrize("source, rule", [
    ('claims.close("width", P["width"], P["width"])', "same-expression"),
    ('claims.between("gap", g, g, 2 * g)', "same-expression"),
    ('claims.close("restarts", n_restarts, P["n_restarts"])', "config-constant"),
    ('claims.greater("seeds", config.SEED, -1)', "config-constant"),
    ('claims.greater("test accuracy", acc, 0)', "rate-range"),
    ('claims.greater("test accuracy", acc, 0.0)', "rate-range"),
    ('claims.between(f"{name}: transfer rate", r, 0.0, 1.0)', "rate-range"),
    ('claims.between("clean accuracy", a, 0.2, 1)', "rate-range"),
    ('claims.less("error rate (%)", e, 100)', "rate-range"),
    ('claims.between(measured=a, low=-0.1, high=0.9, statement="fraction kept")', "rate-range"),
    ('claims.holds("the attack converged", True)', "constant-condition"),
    ('claims.holds("the attack converged", "False")', "constant-condition"),
])
def test_audit_finds_each_vacuous_pattern(source, rule):
    assert rule in rules(source)


@pytest.mark.parametrize("source", [
    'claims.greater("test accuracy", acc, 0.9)',
    'claims.between("test accuracy", acc, 0.55, 0.7)',
    'claims.less("error rate (%)", e, 5)',
    'claims.greater("accuracy gain over random (points)", gain, 0)',
    'claims.between("clean accuracy lost by PGD-AT", lost, -0.02, 0.1)',
    'claims.close("fitted exponent", fit.exponent, 2.0, atol=0.3)',
    'claims.holds("every iterate stays in the ball", bool(inside.all()))',
    'claims.glue("width", P["width"])',
])
def test_audit_accepts_claims_that_can_fail(source):
    assert rules(source) == []


def test_every_page_is_audited():
    names = {p.name for p in claims_audit.pages()}
    assert any(n.startswith("l03") for n in names) and any(n.startswith("ps03") for n in names)


@pytest.mark.parametrize("page", claims_audit.pages(), ids=lambda p: p.stem)
def test_no_page_has_a_claim_that_cannot_fail(page):
    findings = claims_audit.audit([page])
    assert not findings, "claims that cannot fail:\n" + "\n".join(map(str, findings))
