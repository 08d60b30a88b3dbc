"""Training-free architecture proxies of ntk_course.architecture_search."""
import numpy as np
import pytest

from ntk_course import architecture_search as AS


def test_condition_and_min_eig_scores_closed_forms():
    q = np.linalg.qr(np.random.default_rng(0).normal(size=(3, 3)))[0]
    k = q @ np.diag([8.0, 2.0, 0.5]) @ q.T
    assert np.isclose(AS.condition_score(k), -np.log(16.0))
    assert np.isclose(AS.min_eig_score(k), np.log(0.5 / (10.5 / 3)))
    # scale invariance of both spectral scores
    assert np.isclose(AS.condition_score(7 * k), AS.condition_score(k))
    assert np.isclose(AS.min_eig_score(7 * k), AS.min_eig_score(k))
    assert AS.condition_score(np.eye(4)) == 0.0


def test_frobenius_score_scales_linearly():
    k = np.random.default_rng(1).normal(size=(5, 5))
    k = k @ k.T
    assert np.isclose(AS.frobenius_score(3 * k), 3 * AS.frobenius_score(k))


def test_label_alignment_ignores_constant_offsets_and_finds_block_kernels():
    labels = np.array([0, 0, 1, 1, 2, 2])
    block = np.eye(3)[labels] @ np.eye(3)[labels].T
    assert np.isclose(AS.label_alignment_score(block, labels), 1.0)
    assert np.isclose(AS.label_alignment_score(block + 5.0, labels), 1.0)   # centering removes it
    noise = np.random.default_rng(2).normal(size=(6, 6))
    assert AS.label_alignment_score(noise @ noise.T, labels) < 1.0


def test_proxy_scores_keys():
    k = np.eye(4) + 0.1
    assert set(AS.proxy_scores(k, np.array([0, 1, 0, 1]))) == {
        "condition", "min_eig", "frobenius", "label_alignment"}


def test_bad_inputs_name_the_argument():
    with pytest.raises(ValueError, match="positive definite"):
        AS.condition_score(np.diag([1.0, 0.0]))
    with pytest.raises(ValueError, match="k"):
        AS.frobenius_score(np.ones((2, 3)))
    with pytest.raises(TypeError, match="labels"):
        AS.label_alignment_score(np.eye(2), np.array([0.5, 1.0]))
