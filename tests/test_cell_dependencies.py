"""The smoke stage's static reading of which cells a changed ``P`` entry reaches."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from cell_dependencies import CellNames, needed_cells  # noqa: E402

SETUP = ["import numpy as np", "P = dict(n=3, full=False)"]


def needed(*cells, switches=("full",)):
    """needed_cells for SETUP + cells, returned for the given cells only."""
    return needed_cells(SETUP + list(cells), set(switches))[len(SETUP):]


def test_setup_cells_always_run_and_unrelated_cells_do_not():
    assert needed_cells(SETUP + ["x = P['n']"], {"full"}) == [True, True, False]


def test_a_cell_reading_the_switch_and_its_inputs_run():
    assert needed("a = np.ones(P['n'])", "b = a.sum() if P['full'] else 0", "c = 1") \
        == [True, True, False]


def test_results_flow_forward_through_names():
    assert needed("y = 1 if P['full'] else 2", "z = y + 1", "w = z * 2", "v = 5") \
        == [True, True, True, False]


@pytest.mark.parametrize("change", ["acc.append(1)", "acc[0] = 1", "acc += [1]", "fill(acc)",
                                    "acc.x = 1"])
def test_a_mutation_in_an_affected_cell_reaches_later_readers(change):
    cells = ["acc = []\ndef fill(a): a.append(0)", f"if P['full']:\n    {change}",
             "n = len(acc)"]
    assert needed(*cells) == [True, True, True]


def test_a_plain_rebinding_in_an_unaffected_cell_ends_the_dependence():
    assert needed("x = 1 if P['full'] else 0", "x = 0", "y = x + 1") == [True, False, False]
    # a rebinding under a condition may not happen: the dependence goes on, and the
    # conditional cell runs too (it may have produced the x that y reads)
    assert needed("x = 1 if P['full'] else 0", "if P['n'] > 5:\n    x = 0", "y = x + 1") \
        == [True, True, True]


def test_local_names_are_not_reads():
    cell = CellNames("t = [k for k in range(3)]\nfor i in t:\n    print(i)\n"
                     "f = lambda q: q + 1\ndef g(a):\n    b = a\n    return b + h\n"
                     "s = 0\ns += 1", set())
    assert cell.reads == {"h"}   # h: a global the function reads; builtins never count
    assert {"t", "i", "f", "g", "s"} <= cell.changes and cell.rebinds >= {"t", "f", "g", "s"}


def test_a_function_reading_an_affected_global_is_affected():
    assert needed("w = 2 if P['full'] else 1", "def f(x):\n    return w * x", "y = f(3)") \
        == [True, True, True]


@pytest.mark.parametrize("read", ["f(P)", "f(**P)", "P.get('full')", "P[key]",
                                  "[v for v in P.values()]", "config.profile()",
                                  "for k in P:\n    pass"])
def test_any_read_of_P_other_than_a_constant_other_key_counts(read):
    assert CellNames(read, {"full"}).reads_switch
    assert not CellNames("x = P['n']", {"full"}).reads_switch


def test_the_producer_chain_back_to_the_nearest_rebinding_runs():
    cells = ["a = [0]", "a = [1]", "a.append(2)", "b = 3", "y = len(a) if P['full'] else b"]
    assert needed(*cells) == [False, True, True, True, True]


def test_magics_are_ignored():
    assert CellNames("%matplotlib inline\n!ls\nx = 1", set()).rebinds == {"x"}
