"""Which code cells of a page depend on some of its ``P`` entries (a static, conservative reading).

The smoke stage (``tools/smoke.py``) runs a page with the full profile's switches
at quick sizes. Most cells of a page never read a switch and read nothing a
switch-dependent cell produced: with the same inputs they compute what the quick
build already computed, and running them again tests nothing new. This module
finds the cells that must run:

1. **affected**: a cell reads ``P[key]`` for a changed key (or ``P`` other than
   through a constant key, or calls ``config.profile``), or reads a
   name that an affected cell may have changed. A cell may change every name it
   binds, every name it calls a method on, stores an item or attribute into, or
   passes to a call (``results.append(x)``, ``fill(results)``, ``next(rng)``).
   A later cell that rebinds a name with a plain assignment (``x = ...``)
   without being affected clears it.
2. **needed**: the setup cells (up to the one that binds ``P``), the affected
   cells, and, recursively, every earlier cell that may have produced a name a
   needed cell reads: going back from the reader, each cell that may have
   changed it, up to and including the nearest one that rebinds it.

Reads are found in evaluation order (a name bound earlier in the same cell, a
loop variable, a comprehension or function parameter is not a read). Names from
imports and builtins are never inputs. Not followed: aliases (``b = a`` then
``b.append``), state held inside imported modules, and globals a function reads
when a later cell calls it (they are counted as read where the function is
defined). What this may miss, the quick build still runs.

>>> cells = ["P = dict(n=3, full=False)", "a = P['n'] * 2", "b = [a] if P['full'] else []",
...          "c = len(b)", "print(a)"]
>>> needed_cells(cells, {"full"})
[True, True, True, True, False]
"""
from __future__ import annotations

import ast
import builtins

IGNORED = set(dir(builtins)) | {"display", "get_ipython"}


def _targets(node) -> set[str]:
    """Names a plain assignment target binds (``x``, ``x, (y, *z)``; not ``x[i]``)."""
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, (ast.Tuple, ast.List)):
        return set().union(set(), *(_targets(e) for e in node.elts))
    if isinstance(node, ast.Starred):
        return _targets(node.value)
    return set()


def _imported(node) -> set[str]:
    """Names an import statement binds (``import a.b`` binds ``a``)."""
    return {(a.asname or a.name).split(".")[0] for a in node.names}


def _root(node) -> str | None:
    """``x`` in ``x``, ``x.a[0].b``."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


class _Reads(ast.NodeVisitor):
    """Names read before the cell binds them, visiting in evaluation order."""

    def __init__(self):
        self.bound: set[str] = set()
        self.reads: set[str] = set()

    def _scoped(self, names, nodes):
        outer = set(self.bound)
        self.bound |= names
        for node in nodes:
            self.visit(node)
        self.bound = outer

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id not in self.bound:
            self.reads.add(node.id)

    def _comprehension(self, node, parts):
        outer = set(self.bound)
        for generator in node.generators:
            self.visit(generator.iter)
            self.bound |= _targets(generator.target)
            for condition in generator.ifs:
                self.visit(condition)
        for part in parts:
            self.visit(part)
        self.bound = outer

    def visit_ListComp(self, node):
        self._comprehension(node, [node.elt])

    visit_SetComp = visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node):
        self._comprehension(node, [node.key, node.value])

    def visit_Lambda(self, node):
        for default in node.args.defaults + [d for d in node.args.kw_defaults if d]:
            self.visit(default)
        self._scoped({a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}, [node.body])

    def visit_FunctionDef(self, node):
        for part in node.decorator_list + node.args.defaults + [d for d in node.args.kw_defaults
                                                                  if d]:
            self.visit(part)
        local = {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)} | {node.name}
        local |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
                  and isinstance(n.ctx, ast.Store)}
        self._scoped(local, node.body)
        self.bound.add(node.name)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        self.generic_visit(node)
        self.bound.add(node.name)

    def _store(self, target):
        """Visit what a target reads (``x[i] = ...`` reads ``x`` and ``i``), then bind it."""
        if not isinstance(target, (ast.Name, ast.Tuple, ast.List, ast.Starred)):
            self.visit(target.value)
            if isinstance(target, ast.Subscript):
                self.visit(target.slice)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._store(element)
        elif isinstance(target, ast.Starred):
            self._store(target.value)
        self.bound |= _targets(target)

    def visit_Assign(self, node):
        self.visit(node.value)
        for target in node.targets:
            self._store(target)

    def visit_AnnAssign(self, node):
        if node.value is not None:
            self.visit(node.value)
        self._store(node.target)

    def visit_AugAssign(self, node):
        self.visit(node.value)
        root = _root(node.target)
        if root and root not in self.bound:
            self.reads.add(root)
        if not isinstance(node.target, ast.Name):
            self.visit(node.target)

    # Bindings inside a loop, branch or handler may not happen: they do not hide
    # a later read from the cells before.
    def visit_For(self, node):
        self.visit(node.iter)
        self._scoped(_targets(node.target), node.body + node.orelse)

    def visit_If(self, node):
        self.visit(node.test)
        self._scoped(set(), node.body)
        self._scoped(set(), node.orelse)

    def visit_While(self, node):
        self.visit(node.test)
        self._scoped(set(), node.body + node.orelse)

    def visit_Try(self, node):
        self._scoped(set(), node.body)
        for handler in node.handlers:
            if handler.type is not None:
                self.visit(handler.type)
            self._scoped({handler.name} if handler.name else set(), handler.body)
        self._scoped(set(), node.orelse)
        self._scoped(set(), node.finalbody)

    def visit_With(self, node):
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self._store(item.optional_vars)
        for statement in node.body:
            self.visit(statement)

    def visit_Import(self, node):
        self.bound |= _imported(node)

    visit_ImportFrom = visit_Import


class CellNames:
    """What one cell reads, may change and rebinds, and whether it reads a switch."""

    def __init__(self, source: str, switches: set[str]):
        # IPython magics and shell lines are not Python
        code = "\n".join(line for line in source.splitlines()
                         if not line.lstrip().startswith(("%", "!")))
        tree = ast.parse(code)
        reader = _Reads()
        for statement in tree.body:
            reader.visit(statement)
        self.reads = reader.reads - IGNORED
        self.modules = set().union(*(_imported(node) for node in ast.walk(tree)
                                     if isinstance(node, (ast.Import, ast.ImportFrom))))
        self.rebinds = set(self.modules)
        for statement in tree.body:
            if isinstance(statement, ast.Assign):
                self.rebinds |= set().union(*(_targets(t) for t in statement.targets))
            elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.rebinds.add(statement.name)
        self.changes = set(self.rebinds)
        self.reads_switch = False
        for node in ast.walk(tree):
            self.changes |= self._changed_by(node)
            self.reads_switch |= self._is_switch_read(node, switches)
        self.changes -= IGNORED

    @staticmethod
    def _changed_by(node) -> set[str]:
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            return {node.id}
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return {node.name}
        changed = set()
        if isinstance(node, ast.Call):
            for argument in list(node.args) + [k.value for k in node.keywords]:
                changed |= {n.id for n in ast.walk(argument) if isinstance(n, ast.Name)}
            if isinstance(node.func, ast.Attribute):
                changed.add(_root(node.func.value))
        if (isinstance(node, (ast.Attribute, ast.Subscript))
                and isinstance(node.ctx, (ast.Store, ast.Del))):
            changed.add(_root(node.value))
        if isinstance(node, ast.AugAssign):
            changed.add(_root(node.target))
        return changed - {None}

    @staticmethod
    def _is_switch_read(node, switches) -> bool:
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) \
                and node.value.id == "P":
            key = node.slice
            constant = isinstance(key, ast.Constant) and isinstance(key.value, str)
            return not constant or key.value in switches
        if isinstance(node, ast.Call):   # P passed whole: f(P), f(**P), P.get(...)
            whole = list(node.args) + [k.value for k in node.keywords]
            if any(isinstance(a, ast.Name) and a.id == "P" for a in whole):
                return True
            if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
                return node.func.value.id == "P" or (
                    node.func.value.id == "config" and node.func.attr == "profile")
        if isinstance(node, (ast.For, ast.comprehension)):   # for k in P / P.items()
            return isinstance(node.iter, ast.Name) and node.iter.id == "P"
        return False


def needed_cells(sources: list[str], switches: set[str]) -> list[bool]:
    """For each code cell (its source), whether a run with ``P[k]`` changed for the
    ``switches`` k must execute it (see the module docstring).

    The setup cells, up to the first one that binds ``P``, always run.
    """
    cells = [CellNames(source, switches) for source in sources]
    imported = set().union(set(), *(cell.modules for cell in cells)) | {"P"}
    setup = next((i for i, cell in enumerate(cells) if "P" in cell.rebinds), len(cells) - 1)
    affected, dirty = set(), set()
    for i, cell in enumerate(cells):
        if cell.reads_switch or cell.reads & dirty:
            affected.add(i)
            dirty |= cell.changes - imported
        else:
            dirty -= cell.rebinds
    needed = set(range(setup + 1)) | affected
    pending = sorted(needed)
    while pending:
        reader = pending.pop()
        for name in cells[reader].reads - imported:
            for j in range(reader - 1, -1, -1):
                if name in cells[j].changes:
                    if j not in needed:
                        needed.add(j)
                        pending.append(j)
                    if name in cells[j].rebinds:
                        break
    return [i in needed for i in range(len(cells))]
