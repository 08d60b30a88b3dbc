"""Run every full-only branch of the pages at tiny sizes (the ``smoke`` profile).

    python tools/smoke.py OUT_DIR     # write data fixtures and the pages to execute
    python tools/smoke.py --list      # the pages whose smoke profile differs from quick

``NTK_COURSE_SCALE=smoke`` makes ``config.scale`` take full's switches (booleans,
strings) with quick's sizes (see ``ntk_course.config``). A page needs a smoke
run only when that changes its ``P``; the others run their only branches in the
quick profile already. Where a full branch downloads MNIST, Fashion-MNIST or
CIFAR-10, tiny files in the real formats (IDX, CIFAR binary batches) stand in
for the downloads: OUT_DIR/data, read with ``NTK_COURSE_TEST_DATA=1``. The
Makefile's ``notebooks`` stage then runs

    NTK_COURSE_SCALE=smoke NTK_COURSE_DATA=OUT_DIR/data NTK_COURSE_TEST_DATA=1 \
        pytest --nbval-lax OUT_DIR/pages

so an undefined name or a shape error in a full-only branch fails CI.

Only the cells the changed switches can reach run (``tools/cell_dependencies.py``:
the cells that read a changed entry of ``P`` or a name such a cell may have
changed, and the earlier cells they need). The other cells compute exactly what
the quick build computed, which already ran them; a skipped cell is listed in a
note at the top of the smoke notebook.
"""
from __future__ import annotations

import argparse
import ast
import gzip
import io
import struct
import sys
import tarfile
from pathlib import Path

import jupytext
import nbformat
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from cell_dependencies import needed_cells  # noqa: E402

from ntk_course import config  # noqa: E402

SOURCES = ("lectures", "exercises")
ENV = {"NTK_COURSE_SCALE": "smoke", "NTK_COURSE_TEST_DATA": "1"}


def sources() -> list[Path]:
    return sorted(p for folder in SOURCES for p in (ROOT / folder).glob("*.py"))


def scale_arguments(text: str):
    """The ``quick`` and ``full`` values of the page's ``config.scale`` call, or None.

    They are evaluated with NumPy in scope; a value that needs the page's own
    variables cannot be evaluated here, and the page is then smoke-run anyway.
    """
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "scale":
            kwargs = {k.arg: k.value for k in node.keywords}
            if set(kwargs) != {"quick", "full"}:
                continue
            scope = {"np": np, "dict": dict, "range": range, "list": list, "tuple": tuple}
            try:
                return tuple(eval(compile(ast.Expression(kwargs[k]), "<P>", "eval"), scope)
                             for k in ("quick", "full"))
            except Exception:
                return "unknown"
    return None


def changed_switches(source: Path) -> set[str] | None:
    """The keys of ``P`` whose smoke value differs from quick's; None when unknown
    (a value the page computes): then every cell runs."""
    found = scale_arguments(source.read_text())
    if found is None:
        return set()
    if found == "unknown":
        return None
    quick, full = found
    smoke = config.smoke_value(quick, full)
    if not isinstance(quick, dict):
        return None if smoke != quick else set()
    return {key for key in quick if smoke[key] != quick[key]}


def needs_smoke(source: Path) -> bool:
    """True when the smoke profile takes a branch the quick profile does not."""
    return changed_switches(source) != set()


def smoke_notebook(source: Path):
    """The page as a notebook with only the code cells the changed switches reach."""
    notebook = jupytext.read(source)
    switches = changed_switches(source)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    if switches is None:
        return notebook
    keep = dict(zip(map(id, code), needed_cells([c.source for c in code], switches)))
    skipped = [i for i, c in enumerate(code) if not keep[id(c)]]
    notebook.cells = [c for c in notebook.cells if c.cell_type != "code" or keep[id(c)]]
    note = (f"Smoke run of {source.name} with {', '.join(sorted(switches))} from the full "
            f"profile. Code cells {skipped} (counted from 0) do not depend on them and were "
            "left out: the quick build runs them with the same inputs.")
    notebook.cells.insert(0, nbformat.v4.new_markdown_cell(note))
    return notebook


# ---------------------------------------------------------------------------
# Tiny datasets in the real file formats
# ---------------------------------------------------------------------------
def _images(rng, n, shape, n_classes=10):
    """Class-dependent images: a bright band whose position encodes the label, plus noise."""
    labels = np.arange(n) % n_classes
    rng.shuffle(labels)
    flat = int(np.prod(shape))
    x = rng.integers(0, 60, size=(n, flat))
    band = flat // n_classes
    for i, y in enumerate(labels):
        x[i, y * band:(y + 1) * band] += 180
    return np.clip(x, 0, 255).astype(np.uint8), labels.astype(np.uint8)


def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file (unsigned bytes) holding ``array``."""
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(">" + "I" * array.ndim, *array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_fixtures(folder: Path, *, n_train: int = 200, n_test: int = 100, seed: int = 0) -> None:
    """MNIST, Fashion-MNIST (IDX, gzipped) and CIFAR-10 (binary tarball), tiny."""
    rng = np.random.default_rng(seed)
    for dataset in ("mnist", "fashion_mnist"):
        target = folder / dataset
        target.mkdir(parents=True, exist_ok=True)
        for prefix, n in (("train", n_train), ("t10k", n_test)):
            x, y = _images(rng, n, (28, 28))
            for kind, array in (("images-idx3", x.reshape(n, 28, 28)), ("labels-idx1", y)):
                with gzip.open(target / f"{prefix}-{kind}-ubyte.gz", "wb") as out:
                    out.write(idx_bytes(array))
    target = folder / "cifar10"
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(target / "cifar-10-binary.tar.gz", "w:gz") as archive:
        names = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]
        for name in names:
            n = n_test if name == "test_batch.bin" else n_train // 5
            x, y = _images(rng, n, (3, 32, 32))
            raw = np.concatenate([y[:, None], x], axis=1).astype(np.uint8).tobytes()
            info = tarfile.TarInfo(f"cifar-10-batches-bin/{name}")
            info.size = len(raw)
            archive.addfile(info, io.BytesIO(raw))


def prepare(out: Path) -> list[Path]:
    """Write OUT/data (fixtures) and OUT/pages (the notebooks to run); return the pages."""
    write_fixtures(out / "data")
    pages = []
    for source in sources():
        if not needs_smoke(source):
            continue
        target = out / "pages" / source.parent.name / source.with_suffix(".ipynb").name
        target.parent.mkdir(parents=True, exist_ok=True)
        jupytext.write(smoke_notebook(source), target)
        pages.append(target)
    return pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", nargs="?", type=Path)
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args()
    if args.list or args.out is None:
        for source in sources():
            if needs_smoke(source):
                print(source.relative_to(ROOT))
        return 0
    pages = prepare(args.out)
    print(f"{len(pages)} pages take full-only branches: "
          + ", ".join(p.stem for p in pages))
    return 0


if __name__ == "__main__":
    sys.exit(main())
