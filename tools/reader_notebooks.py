"""Reader notebooks: every lecture and problem set as a notebook in plain Markdown.

The pages are written in MyST (theorem boxes, exercises, ``{cite}``, ``{eq}``,
``{glue:text}`` ...), which Jupyter, Colab and GitHub do not understand. This
module turns each page into a notebook they render, using what the Sphinx build
resolved: equation, theorem, exercise and figure numbers, citation labels, the
pages and anchors of cross-references, and the values glued by the executed
pages (the reference run). It is a Sphinx extension (``_config.yml``,
``sphinx.local_extensions``), so it runs at the end of every book build
(``make book``, ``make build-check``) and writes two sets into
``_build/notebooks``:

* ``self-study/``: every solution folded at the end of its exercise, under a
  "Solution to Exercise N" heading (text in a ``<details>`` block, solution code
  in cells whose source is hidden in Colab and JupyterLab);
* ``student/``: no solutions; problem-set stubs (``stub`` tag) and checker calls
  (``check`` tag) stay.

The repository tracks both sets in ``notebooks/`` (no outputs), where the Colab
buttons of the website (self-study) and of the student edition (student) open
them. ``make book`` copies the built sets there; a test compares the tracked
copy with the build.

    python tools/reader_notebooks.py --install   # _build/notebooks -> notebooks/
    python tools/reader_notebooks.py --check     # fail if notebooks/ differs from the build

MyST constructs converted (see :func:`convert_notebook`):

* ``{prf:theorem}``, ``{prf:definition}``, ... -> a headed block between rules,
  "**Theorem 2** (Title)", with an anchor; ``{prf:proof}`` -> "*Proof.* ... ∎";
* ``{exercise}`` -> "**Exercise 4** (Title)"; ``{solution}`` and
  ``{solution-start}``/``{solution-end}`` -> folded solutions (self-study) or
  nothing (student); code cells tagged ``solution`` likewise;
* ``$$ ... $$ (label)`` -> the same display with ``\\tag{n}``; ``{eq}`` -> "(n)"
  linked to the equation on the website;
* ``{cite}`` -> "[Author et al., 2018]" (as on the website) linked to the bibliography page;
* ``{ref}``, ``{prf:ref}``, ``{numref}``, ``{doc}`` -> links to the website's pages;
* ``{glue:text}`` -> the value of the reference run, marked with †;
* ``{glue:figure}`` -> "**Figure n.** caption", placed right after the code cell
  that draws the figure (``plotting.glue_figure``);
* ``(label)=`` -> an HTML anchor; other directives (``{note}``, ...) -> headed blocks;
* the book's math macros (``_config.yml``) are expanded in the text and defined
  in the first Markdown cell; the Colab cell becomes the install cell.
"""
from __future__ import annotations

import argparse
import ast
import filecmp
import json
import posixpath
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
SETS = ("self-study", "student")
TRACKED = ROOT / "notebooks"
BUILT = ROOT / "_build" / "notebooks"
FOLDERS = ("lectures", "exercises")
#: strings that must never survive in a reader notebook
MYST_LEFTOVERS = ("{prf:", "{exercise", "{solution", "{glue", "{cite", "{eq}", ":label:", "{ref}",
                  "{doc}", "{numref}")
DAGGER = "†"


# ---------------------------------------------------------------------------
# What the build resolved
# ---------------------------------------------------------------------------
@dataclass
class Reference:
    """Everything the conversion needs from the Sphinx build (plain data, testable)."""

    site: str                                   # website base URL, ending with "/"
    labels: dict = field(default_factory=dict)  # label -> (docname, anchor, title)
    numbers: dict = field(default_factory=dict)  # docname -> figtype -> node id -> (n, ...)
    equations: dict = field(default_factory=dict)  # label -> (docname, "n")
    proofs: dict = field(default_factory=dict)  # label -> (docname, kind)
    exercises: dict = field(default_factory=dict)  # label -> docname
    citations: dict = field(default_factory=dict)  # key -> (url, "Author et al.", "2018")
    glue: dict = field(default_factory=dict)    # docname -> name -> text
    macros: dict = field(default_factory=dict)  # name -> definition (no arguments)
    profile: str = "quick"
    repository: str = ""
    release: str = ""

    def page(self, docname: str) -> str:
        return f"{self.site}{docname}.html"

    def number(self, docname: str, figtype: str, node_id: str) -> str | None:
        found = self.numbers.get(docname, {}).get(figtype, {}).get(node_id)
        return ".".join(str(n) for n in found) if found else None


def _author_year(entry) -> tuple[str, str]:
    persons = entry.persons.get("author") or entry.persons.get("editor") or []

    def last(person):
        return re.sub(r"[{}]", "", " ".join(person.last_names)) or str(person)

    if not persons:
        names = re.sub(r"[{}]", "", entry.fields.get("title", "?"))
    elif len(persons) == 1:
        names = last(persons[0])
    elif len(persons) == 2:
        names = f"{last(persons[0])} and {last(persons[1])}"
    else:
        names = f"{last(persons[0])} et al."
    return names, re.sub(r"[{}]", "", entry.fields.get("year", "n.d."))


def site_url(config: dict) -> str:
    """The website's base URL: ``html.baseurl`` or the GitHub Pages URL of the repository."""
    base = (config.get("html") or {}).get("baseurl", "")
    if not base:
        org, repo = config["repository"]["url"].rstrip("/").split("/")[-2:]
        base = f"https://{org}.github.io/{repo}/"
    return base.rstrip("/") + "/"


def book_config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def reference_from_env(env, outdir: Path, config: dict) -> Reference:
    """Collect numbers, labels, citations and glued values from a finished build."""
    sys.path.insert(0, str(ROOT))
    from ntk_course import config as course_config

    ref = Reference(site=site_url(config), profile=course_config.profile(),
                    repository=config["repository"]["url"].rstrip("/"),
                    release=str(config["repository"].get("release", "")))
    ref.labels = {k: tuple(v) for k, v in env.domaindata["std"]["labels"].items()}
    ref.numbers = {doc: {kind: dict(ids) for kind, ids in kinds.items()}
                   for doc, kinds in env.toc_fignumbers.items()}
    for label, (docname, number) in env.domaindata["math"]["objects"].items():
        shown = ref.number(docname, "displaymath", f"equation-{label}")
        ref.equations[label] = (docname, shown or str(number))
    for label, info in getattr(env, "proof_list", {}).items():
        ref.proofs[label] = (info["docname"], info.get("realtype") or info.get("countertype"))
    for label, info in getattr(env, "sphinx_exercise_registry", {}).items():
        if info.get("type") == "exercise":
            ref.exercises[label] = info["docname"]
    cite = env.domaindata.get("cite", {})
    for citation in cite.get("citations", []):
        names, year = _author_year(citation.entry)
        url = f"{ref.page(citation.bibliography_key.docname)}#{citation.citation_id}"
        ref.citations[citation.key] = (url, names, year)
    execute = Path(outdir).parent / "jupyter_execute"
    for path in execute.rglob("*.glue.json"):
        docname = path.relative_to(execute).as_posix()[: -len(".glue.json")]
        values = {}
        for name, output in json.loads(path.read_text()).items():
            text = output.get("data", {}).get("text/plain")
            if text is None:
                continue
            try:
                value = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                value = text
            values[name] = value if isinstance(value, str) else text
        ref.glue[docname] = values
    mathjax = (config.get("sphinx", {}).get("config", {}).get("mathjax3_config", {})
               .get("tex", {}).get("macros", {}))
    ref.macros = {name: value for name, value in mathjax.items() if isinstance(value, str)}
    return ref


# ---------------------------------------------------------------------------
# MyST blocks
# ---------------------------------------------------------------------------
OPEN = re.compile(r"^(?P<indent>\s{0,3})(?P<fence>`{3,}|:{3,}|~{3,})(?P<info>.*)$")
DIRECTIVE = re.compile(r"^\{(?P<name>[a-zA-Z0-9:_-]+)\}\s*(?P<arg>.*)$")


@dataclass
class Block:
    kind: str                 # "text", "code" (a fence that is not a directive) or "directive"
    text: str = ""            # text / the whole fence for code
    name: str = ""
    arg: str = ""
    options: dict = field(default_factory=dict)
    body: str = ""


def split_blocks(text: str) -> list[Block]:
    """Top-level blocks of a MyST Markdown text: text, fenced code, directives."""
    lines = text.split("\n")
    blocks: list[Block] = []
    buffer: list[str] = []

    def flush():
        if buffer:
            blocks.append(Block("text", "\n".join(buffer)))
            buffer.clear()

    i = 0
    while i < len(lines):
        match = OPEN.match(lines[i])
        if not match:
            buffer.append(lines[i])
            i += 1
            continue
        fence = match["fence"]
        end = i + 1
        closing = re.compile(rf"^\s{{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        inner = lines[i + 1:end]
        directive = DIRECTIVE.match(match["info"].strip())
        flush()
        if directive:
            options, body = _options(inner)
            blocks.append(Block("directive", name=directive["name"], arg=directive["arg"].strip(),
                                options=options, body="\n".join(body)))
        else:
            blocks.append(Block("code", "\n".join(lines[i:end + 1])))
        i = end + 1
    flush()
    return blocks


def _options(lines: list[str]) -> tuple[dict, list[str]]:
    options, rest = {}, list(lines)
    if rest and rest[0].strip() == "---":  # YAML options block
        close = rest.index("---", 1) if "---" in rest[1:] else 0
        if close:
            options = yaml.safe_load("\n".join(rest[1:close])) or {}
            rest = rest[close + 1:]
    while rest and re.match(r"^:[\w-]+:", rest[0].strip()):
        key, _, value = rest.pop(0).strip()[1:].partition(":")
        options[key] = value.strip()
    return options, rest


# ---------------------------------------------------------------------------
# Inline conversion
# ---------------------------------------------------------------------------
ROLE = re.compile(r"\{(?P<role>[a-z]+(?::[a-z]+)?)\}`(?P<content>[^`]*)`")
EXPLICIT = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.DOTALL)
LABEL_LINE = re.compile(r"^\(([\w.:-]+)\)=\s*$", re.MULTILINE)
LABELLED_MATH = re.compile(r"\$\$(?P<math>(?:(?!\$\$).)+?)\$\$[ \t]*\((?P<label>[\w.:-]+)\)",
                           re.DOTALL)
ROLE_OR_CODE = re.compile(ROLE.pattern + r"|``[^`]+``|`[^`\n]+`")
COMMENT_LINE = re.compile(r"^%.*\n?", re.MULTILINE)


class Converter:
    """Convert one page (``docname``) of the book for one set (``edition``)."""

    def __init__(self, ref: Reference, docname: str, edition: str):
        if edition not in SETS:
            raise ValueError(f"edition must be one of {SETS}, got {edition!r}")
        self.ref, self.docname, self.edition = ref, docname, edition
        self.figures: dict[str, str] = {}      # figure name -> caption Markdown
        self.problems: list[str] = []
        self.last_exercise = ""                  # label of the latest exercise seen

    # -- references ---------------------------------------------------------
    def _link(self, text: str, docname: str, anchor: str = "") -> str:
        url = self.ref.page(docname) + (f"#{anchor}" if anchor else "")
        return f"[{text}]({url})"

    def _title_of(self, label: str) -> str | None:
        if label in self.ref.proofs:
            docname, kind = self.ref.proofs[label]
            number = self.ref.number(docname, kind, label)
            return f"{kind.capitalize()} {number}" if number else kind.capitalize()
        if label in self.ref.exercises:
            number = self.ref.number(self.ref.exercises[label], "exercise", label)
            return f"Exercise {number}" if number else "Exercise"
        if label in self.ref.labels:
            docname, anchor, title = self.ref.labels[label]
            number = self.ref.number(docname, "figure", anchor)
            if number:
                return f"Figure {number}"
            return title or label
        return None

    def role(self, match: re.Match) -> str:
        role, content = match["role"], match["content"].strip()
        if role in ("glue", "glue:text", "glue:md", "glue:any"):
            return self.glue(content)
        if role in ("cite", "cite:p", "cite:t", "cite:ps", "cite:ts"):
            return self.cite(content, textual=role.startswith("cite:t"))
        if role == "eq":
            return self.eq(content)
        if role == "math":
            return f"${content}$"
        explicit = EXPLICIT.match(content)
        text, target = (explicit["text"], explicit["target"]) if explicit else (None, content)
        if role == "doc":
            docname = posixpath.normpath(posixpath.join(posixpath.dirname(self.docname), target))
            docname = docname.lstrip("/")
            return self._link(text or docname, docname)
        if role in ("ref", "prf:ref", "numref", "exercise:ref"):
            title = self._title_of(target)
            if title is None:
                self.problems.append(f"unknown label {target!r} in {{{role}}}")
                return text or target
            if target in self.ref.proofs:
                docname, anchor = self.ref.proofs[target][0], target
            elif target in self.ref.exercises:
                docname, anchor = self.ref.exercises[target], target
            else:
                docname, anchor, _ = self.ref.labels[target]
            if role == "numref" and text and "{number}" in text:
                text = text.replace("{number}", title.split(" ")[-1])
            return self._link(text or title, docname, anchor)
        self.problems.append(f"unsupported role {{{role}}}")
        return match[0]

    def glue(self, content: str) -> str:
        docname, name = (content.split("::", 1) if "::" in content else (self.docname, content))
        name, _, spec = name.partition(":")
        values = self.ref.glue.get(docname, {})
        if name not in values:
            self.problems.append(f"no glued value {name!r} in {docname}")
            return f"[{name}]"
        value = values[name]
        if spec:
            try:
                value = format(float(value), spec)
            except ValueError:
                pass
        return f"{value}{DAGGER}"

    def cite(self, content: str, *, textual: bool) -> str:
        parts = []
        for key in (k.strip() for k in content.split(",") if k.strip()):
            if key not in self.ref.citations:
                self.problems.append(f"unknown citation {key!r}")
                parts.append(key)
                continue
            url, names, year = self.ref.citations[key]
            parts.append(f"[{names} ({year})]({url})" if textual else f"[{names}, {year}]({url})")
        return ", ".join(parts) if textual else "[" + "; ".join(parts) + "]"

    def eq(self, label: str) -> str:
        if label not in self.ref.equations:
            self.problems.append(f"unknown equation {label!r}")
            return f"({label})"
        docname, number = self.ref.equations[label]
        return self._link(f"({number})", docname, f"equation-{label}")

    def math(self, match: re.Match) -> str:
        label = match["label"]
        if label not in self.ref.equations:
            self.problems.append(f"unknown equation label {label!r}")
            return f"$${match['math']}$$"
        number = self.ref.equations[label][1]
        body = match["math"].rstrip()
        return f'<a id="equation-{label}"></a>\n\n$${body}\n\\tag{{{number}}}\n$$'

    def macros(self, text: str) -> str:
        for name, definition in self.ref.macros.items():
            text = re.sub(rf"\\{re.escape(name)}(?![A-Za-z])", lambda _: definition, text)
        return text

    def inline(self, text: str) -> str:
        """Convert a text block (no fences): labels, equations, roles, macros, comments."""
        text = COMMENT_LINE.sub("", text)
        text = LABEL_LINE.sub(lambda m: f'<a id="{m[1]}"></a>', text)
        text = LABELLED_MATH.sub(self.math, text)
        # A role is matched before inline code; inline code itself is left as it is.
        text = ROLE_OR_CODE.sub(lambda m: self.role(m) if m["role"] else m[0], text)
        return self.macros(text)

    # -- blocks ---------------------------------------------------------------
    def markdown(self, text: str) -> str:
        out = []
        for block in split_blocks(text):
            if block.kind == "text":
                out.append(self.inline(block.text))
            elif block.kind == "code":
                out.append(block.text)
            else:
                out.append(self.directive(block))
        return "\n".join(out)

    def directive(self, block: Block) -> str:
        name, label = block.name, str(block.options.get("label", "")).strip()
        anchor = f'<a id="{label}"></a>\n\n' if label else ""
        body = self.markdown(block.body).strip("\n")
        if name.startswith("prf:"):
            kind = name[4:]
            if kind == "proof":
                return f"*Proof.* {body}\n\n<p align=\"right\">∎</p>\n"
            number = self.ref.number(self.docname, kind, label) if label else None
            head = f"**{kind.capitalize()}{' ' + number if number else ''}**"
            if block.arg:
                head += f" ({self.inline(block.arg)})"
            return f"{anchor}---\n\n{head}\n\n{body}\n\n---\n"
        if name == "exercise":
            self.last_exercise = label or self.last_exercise
            number = self.ref.number(self.docname, "exercise", label) if label else None
            head = f"**Exercise{' ' + number if number else ''}**"
            if block.arg:
                head += f" ({self.inline(block.arg)})"
            return f"{anchor}{head}\n\n{body}\n"
        if name == "solution":
            if self.edition == "student":
                return ""
            return self.folded(self.solution_title(block.arg), body)
        if name == "glue:figure":
            figure = block.options.get("name") or block.arg
            number = self.ref.number(self.docname, "figure", figure)
            caption = f'<a id="{figure}"></a>\n\n**Figure{" " + number if number else ""}.** {body}'
            self.figures[block.arg] = caption
            return f"\x00figure:{block.arg}\x00"
        if name in ("glue", "glue:", "glue:any", "glue:md", "glue:math", "glue:text"):
            return self.glue(block.arg)
        if name in ("math",):
            tag = ""
            if label and label in self.ref.equations:
                tag = f"\n\\tag{{{self.ref.equations[label][1]}}}"
            return f"{anchor}$$\n{self.macros(block.body)}{tag}\n$$"
        if name in ("figure", "image"):
            caption = f"\n\n*{body}*" if body else ""
            return f"{anchor}![{block.options.get('alt', '')}]({block.arg}){caption}"
        if name in ("code-block", "code", "sourcecode"):
            return f"```{block.arg}\n{block.body}\n```"
        # Admonitions and anything else: a headed block with the directive's title.
        title = block.arg or name.split(":")[-1].replace("-", " ").capitalize()
        return f"{anchor}**{self.inline(title)}.** {body}\n"

    def solution_title(self, target: str) -> str:
        target = target.strip()
        title = self._title_of(target) if target else None
        return f"Solution to {title}" if title else "Solution"

    @staticmethod
    def folded(title: str, body: str) -> str:
        return (f"<details>\n<summary><b>{title}</b> (click to show)</summary>\n\n{body}\n\n"
                "</details>\n")


# ---------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------
START = object()  # marks the opening of a gated solution among a cell's segments
GATE = re.compile(r"^(`{3,}|:{3,})\{(solution-start|solution-end)\}(.*)$")
FIGURE_CALL = re.compile(r"glue_figure\(\s*[\"']([^\"']+)[\"']")


def install_cell_source(ref: Reference) -> str:
    """The first code cell of every reader notebook (see ``book/how_to_use.md``)."""
    target = f"git+{ref.repository}@{ref.release}" if ref.release else f"git+{ref.repository}"
    return f'''#@title Setup: make the course package `ntk_course` importable (run me first)
# In Colab this installs the course's pinned release ({ref.release or "branch head"}) next to
# Colab's own JAX (never downgrading it); elsewhere it says how to install.
import importlib.util
import os
import subprocess
import sys

NTK_COURSE_PIP = "ntk_course @ {target}"
if importlib.util.find_spec("ntk_course") is None:
    if "google.colab" not in sys.modules:
        raise ModuleNotFoundError(
            "This notebook needs the course package ntk_course. Install it into this "
            f"kernel's environment with\\n    pip install '{{NTK_COURSE_PIP}}'\\n    "
            "pip install --no-deps neural-tangents==0.6.5\\nor, in a clone of the "
            "repository, run `make setup` and choose the .venv kernel.")
    os.environ["NTK_COURSE_ALLOW_UNTESTED_JAX"] = "1"  # Colab's JAX may be newer than ours
    for args in ([NTK_COURSE_PIP], ["--no-deps", "neural-tangents==0.6.5"]):
        pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", *args],
                             capture_output=True, text=True)
        if pip.returncode:
            print(pip.stdout[-4000:], pip.stderr[-4000:], sep="\\n", file=sys.stderr)
            raise RuntimeError(
                "Installing the course package failed: pip's message is above. Check that the "
                "runtime is connected to the internet, then Runtime > Restart session and run "
                "this cell again. If it fails again, report pip's message at "
                "{ref.repository}/issues")
if "google.colab" in sys.modules:
    os.environ.setdefault("NTK_COURSE_ALLOW_UNTESTED_JAX", "1")
    from ntk_course import _compat

    if not _compat.JAX_IS_TESTED:  # the import above ran the numerical self-check
        print(f"Note: Colab's JAX {{_compat.jax.__version__}} is outside the tested range "
              f"({{', '.join(_compat.TESTED_JAX)}}); the numerical self-check passed "
              f"(error {{_compat.self_check():.1e}}). Keep Colab's JAX; numbers may differ "
              "slightly from the website's.")'''


def _is_colab_cell(cell) -> bool:
    return cell.cell_type == "code" and "google.colab" in cell.source and \
        "remove-cell" in cell.metadata.get("tags", [])


def _hidden_code(cell, title: str):
    new = nbformat.v4.new_code_cell(f"#@title {title} (double-click to show the code)\n"
                                    + cell.source)
    new.metadata = {"tags": [t for t in cell.metadata.get("tags", []) if t != "solution"]
                    + ["solution"], "cellView": "form", "jupyter": {"source_hidden": True}}
    return new


def convert_notebook(notebook, docname: str, ref: Reference, edition: str, *,
                     problems: list | None = None):
    """The reader notebook of one page.

    Unresolved references (unknown label, citation, glued value) raise ValueError,
    or, when a ``problems`` list is given, are appended to it (the text then keeps
    a readable fallback) so that a build can report them as warnings.
    """
    conv = Converter(ref, docname, edition)
    cells = []
    gated: str | None = None      # title of the open gated solution
    gated_parts = 0
    for cell in notebook.cells:
        if cell.cell_type == "code":
            if _is_colab_cell(cell):
                # Colab shows a form: the title, the code folded behind "show code".
                cells.append(nbformat.v4.new_code_cell(install_cell_source(ref),
                                                       metadata={"cellView": "form"}))
                continue
            tags = cell.metadata.get("tags", [])
            if gated is not None or "solution" in tags:
                if edition == "self-study":
                    cells.append(_hidden_code(cell, gated or conv.solution_title(conv.last_exercise)))
                continue
            new = nbformat.v4.new_code_cell(cell.source)
            if tags:
                new.metadata["tags"] = list(tags)
            cells.append(new)
            for figure in FIGURE_CALL.findall(cell.source):
                cells.append(nbformat.v4.new_markdown_cell(f"\x00place:{figure}\x00"))
            continue
        if cell.cell_type != "markdown":
            continue
        # Split the cell at gates: text before, inside and after a gated solution.
        segments, current = [], []
        for line in cell.source.split("\n"):
            match = GATE.match(line.strip())
            if match:
                segments.append((gated, "\n".join(current)))
                current = []
                if match[2] == "solution-start":
                    gated, gated_parts = conv.solution_title(match[3]), 0
                    segments.append((START, gated))
                else:
                    gated = None
                continue
            if gated is not None and current == [] and re.match(r"^:[\w-]+:", line.strip()):
                continue  # the gate's options (":class: dropdown")
            if current == [] and line.strip() in ("```", ":::") and segments:
                continue  # the closing fence of a gate directive
            current.append(line)
        segments.append((gated, "\n".join(current)))
        for inside, text in segments:
            if inside is START:  # the heading of a gated solution, before its cells
                if edition == "self-study":
                    cells.append(nbformat.v4.new_markdown_cell(
                        f"**{text}** (folded: click a triangle to open the text, double-click "
                        "a code cell to show its code)"))
                else:  # where the solution's code was, a cell for the student's own
                    target = text.removeprefix("Solution to ") if text != "Solution" else "it"
                    cells.append(nbformat.v4.new_code_cell(f"# Your work on {target}"))
                continue
            text = text.strip("\n")
            if not text.strip():
                continue
            if inside is not None:
                if edition == "student":
                    continue
                gated_parts += 1
                title = f"{inside}: explanation" + (f" ({gated_parts})" if gated_parts > 1 else "")
                cells.append(nbformat.v4.new_markdown_cell(conv.folded(title, conv.markdown(text))))
            else:
                cells.append(nbformat.v4.new_markdown_cell(conv.markdown(text)))
    if gated is not None:
        raise ValueError(f"{docname}: a solution-start has no matching solution-end")
    # Figures: the caption goes right after the cell that draws the figure.
    placed = set()
    for cell in cells:
        if cell.cell_type == "markdown" and cell.source.startswith("\x00place:"):
            name = cell.source[len("\x00place:"):-1]
            cell.source = conv.figures.get(name, "")
            if cell.source:
                placed.add(name)
    kept = []
    for cell in cells:
        if cell.cell_type == "markdown":
            def inline_figure(m):
                return "" if m[1] in placed else conv.figures.get(m[1], "")
            cell.source = re.sub("\x00figure:([^\x00]*)\x00", inline_figure, cell.source).strip("\n")
            cell.source = re.sub(r"\n{3,}", "\n\n", cell.source)
            if not cell.source.strip():
                continue
        kept.append(cell)
    cells = kept
    _front_matter(cells, conv, docname)
    for index, cell in enumerate(cells):
        cell["id"] = f"cell-{index:03d}"   # deterministic: regenerations diff cleanly
    if conv.problems:
        message = f"{docname}: " + "; ".join(sorted(set(conv.problems)))
        if problems is None:
            raise ValueError(message)
        problems.append(message)
    metadata = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                "language_info": {"name": "python"},
                "colab": {"provenance": [], "toc_visible": True}}
    return nbformat.v4.new_notebook(cells=cells, metadata=metadata)


def _front_matter(cells, conv: Converter, docname: str) -> None:
    """Macros and the note on this notebook, in the first Markdown cell after its title."""
    first = next((c for c in cells if c.cell_type == "markdown"), None)
    if first is None:
        return
    macros = "".join(f"\\newcommand{{\\{k}}}{{{v}}}" for k, v in conv.ref.macros.items())
    note = (f"> *Generated from [this page of the course website]({conv.ref.page(docname)}), "
            + ("with the solutions folded after each exercise" if conv.edition == "self-study"
               else "without solutions (student edition)")
            + f". Numbers marked {DAGGER} are those of the website's reference run "
            f"(`{conv.ref.profile}` profile); running the cells recomputes them, and each cell's "
            "checks report what your run measures. Equation numbers and references link to "
            "the website.*")
    lines = first.source.split("\n")
    title = next((i for i, line in enumerate(lines) if line.startswith("# ")), None)
    insert = [f"${macros}$", "", note, ""] if macros else [note, ""]
    if title is None:
        lines = insert + lines
    else:
        lines[title + 1:title + 1] = [""] + insert
    first.source = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def leftovers(notebook) -> list[str]:
    """MyST syntax that survived in a reader notebook (should be empty)."""
    found = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown":
            continue
        # Code (fenced or inline) may show MyST as an example; the rest must not.
        text = re.sub(r"^(`{3,}|~{3,})(?!\{)[^\n]*\n.*?^\1\s*$", "", cell.source, flags=re.M | re.S)
        text = re.sub(r"``[^`]+``|`[^`\n]+`", "", text)
        for token in MYST_LEFTOVERS:
            if token in text:
                found.append(f"cell {index}: {token}")
        if re.search(r"^\([\w.:-]+\)=\s*$", text, re.MULTILINE):
            found.append(f"cell {index}: (label)= target")
    return found


# ---------------------------------------------------------------------------
# Sphinx extension and command line
# ---------------------------------------------------------------------------
def pages_of(env) -> list[str]:
    return sorted(d for d in env.found_docs if d.split("/")[0] in FOLDERS)


def generate(env, outdir: Path, srcdir: Path, config: dict, target: Path,
             problems: list | None = None) -> list[Path]:
    """Write both sets for every lecture and problem set of the build into ``target``.

    Unresolved references go to ``problems`` (or raise when it is None).
    """
    import jupytext

    ref = reference_from_env(env, outdir, config)
    written = []
    if target.exists():
        shutil.rmtree(target)
    for docname in pages_of(env):
        source = Path(srcdir) / f"{docname}.py"
        if not source.exists():
            continue
        notebook = jupytext.read(source)
        for edition in SETS:
            found: list[str] = []
            reader = convert_notebook(notebook, docname, ref, edition, problems=found)
            if found and problems is None:
                raise ValueError("; ".join(found))
            if problems is not None and edition == SETS[0]:
                problems.extend(found)
            path = target / edition / f"{docname}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(reader, path)
            written.append(path)
    return written


def notebook_path(edition: str, docname: str) -> str:
    """Path of a reader notebook relative to the repository root."""
    return f"notebooks/{edition}/{docname}.ipynb"


def _on_build_finished(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    if not app.config.reader_notebooks_generate:
        return
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    problems: list[str] = []
    written = generate(app.env, Path(app.outdir), Path(app.srcdir), book_config(),
                       Path(app.outdir).parent / "notebooks", problems)
    for problem in problems:  # a -W build fails on these
        logger.warning(f"reader notebook {problem}", type="reader_notebooks")
    logger.info(f"reader notebooks: {len(written)} written to "
                f"{Path(app.outdir).parent / 'notebooks'}")


def _colab_buttons(app, pagename, templatename, context, doctree):
    """Point each page's Colab button at its reader notebook (self-study or student)."""
    if pagename.split("/")[0] not in FOLDERS:
        return
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []) if isinstance(group, dict) else []:
            url = button.get("url", "")
            if button.get("text") == "Colab" and "/blob/" in url:
                head, _, rest = url.partition("/blob/")
                branch = rest.split("/", 1)[0]
                path = notebook_path(app.config.reader_notebooks_set, pagename)
                button["url"] = f"{head}/blob/{branch}/{path}"


def setup(app):
    app.add_config_value("reader_notebooks_set", "self-study", "html")
    app.add_config_value("reader_notebooks_generate", True, "html")
    app.connect("build-finished", _on_build_finished)
    app.connect("html-page-context", _colab_buttons, priority=600)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}


def compare(built: Path, tracked: Path) -> list[str]:
    """Differences between the built and the tracked notebooks (paths relative to the sets)."""
    if not built.exists():
        return [f"{built} does not exist: build the book first"]
    built_files = {p.relative_to(built) for p in built.rglob("*.ipynb")}
    tracked_files = {p.relative_to(tracked) for p in tracked.rglob("*.ipynb")} if tracked.exists() else set()
    found = [f"missing in {tracked.name}/: {p}" for p in sorted(built_files - tracked_files)]
    found += [f"stale in {tracked.name}/: {p}" for p in sorted(tracked_files - built_files)]
    for rel in sorted(built_files & tracked_files):
        if not filecmp.cmp(built / rel, tracked / rel, shallow=False):
            found.append(f"differs from the build: {tracked.name}/{rel}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--install", action="store_true", help="copy the built sets to notebooks/")
    parser.add_argument("--check", action="store_true", help="compare notebooks/ with the build")
    parser.add_argument("--built", type=Path, default=BUILT)
    args = parser.parse_args()
    if args.install:
        if not args.built.exists():
            print(f"{args.built} does not exist: build the book first", file=sys.stderr)
            return 1
        if TRACKED.exists():
            shutil.rmtree(TRACKED)
        shutil.copytree(args.built, TRACKED)
        print(f"reader notebooks copied to {TRACKED.relative_to(ROOT)}")
        return 0
    found = compare(args.built, TRACKED)
    for line in found:
        print(line, file=sys.stderr)
    print(f"{len(found)} differences between {args.built} and {TRACKED}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
