"""Sphinx additions for the course website (loaded through ``_config.yml``).

- numbering: exercises, figures and equations of a page outside the numbered
  lectures (the problem sets) are numbered from 1 within that page, instead of
  continuing one count across every unnumbered page of the book;
- the Proof Index (sphinx-proof's ``prf-prf`` page) is an entry of the menu, at
  the end of the "Reference" part;
- every page made from a notebook offers its reader notebook for download
  (``notebooks/self-study``; the student edition offers ``notebooks/student``);
- each script is included once per page (sphinx-thebe adds its configuration
  script twice, which raises ``Identifier 'THEBE_JS_URL' has already been
  declared`` on every page);
- figures keep their aspect ratio when scaled down (``static/course_site.css``:
  retina images carry width and height attributes);
- the colour mode defaults to "auto" (an empty default is reported as an error
  in the browser console);
- the bibliography's labels are author-year ("Jacot et al., 2018"), as the
  in-text citations, with "a"/"b" when two works share one;
- inline code naming an object of the package (``ps06.linear_gain(...)``,
  ``kernels.fc_kernels``) links to its entry in the API reference;
- ``{course-api}``: the API reference of a package, one section per public
  module with the members its ``__all__`` lists, found on disk at build time so
  that moving a function between modules needs no edit of the page.
"""
from __future__ import annotations

import importlib
import pkgutil
import re
import shutil
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive
from docutils.statemachine import StringList
from sphinx.domains.std import StandardDomain

PROOF_INDEX = "prf-prf"
PROOF_INDEX_TITLE = "Proof index"
#: the caption of the menu part that receives the Proof Index entry
REFERENCE_CAPTION = "Reference"


# -- numbering ----------------------------------------------------------------
def number_unnumbered_pages_locally(app, env):
    """Renumber enumerable nodes of pages that have no section number.

    Sphinx numbers figures, equations and exercises of a page that is not in a
    numbered toctree with one counter shared by all such pages, so the third
    problem set's first exercise would be "Exercise 9". Here each such page
    counts from 1, in the order Sphinx assigned. Runs on ``env-get-updated``
    after Sphinx's own numbering (priority 900 > 500).
    """
    for docname, figtypes in env.toc_fignumbers.items():
        if env.toc_secnumbers.get(docname, {}).get(""):
            continue  # a numbered page: "Exercise 3.4" is right
        for figtype, numbers in figtypes.items():
            order = sorted(numbers, key=lambda node_id: numbers[node_id])
            figtypes[figtype] = {node_id: (i + 1,) for i, node_id in enumerate(order)}
    return []


# -- the Proof Index in the menu ---------------------------------------------
def register_proof_index(app):
    # Sphinx knows how to put generated pages (genindex, search) in a toctree;
    # sphinx-proof's index becomes one of them.
    StandardDomain._virtual_doc_names.setdefault(PROOF_INDEX, (PROOF_INDEX, PROOF_INDEX_TITLE))


def add_proof_index_to_menu(app, doctree):
    if app.env.docname != app.config.root_doc:
        return
    from sphinx import addnodes

    for toctree in doctree.findall(addnodes.toctree):
        if toctree.get("caption") == REFERENCE_CAPTION:
            if (PROOF_INDEX_TITLE, PROOF_INDEX) not in toctree["entries"]:
                toctree["entries"].append((PROOF_INDEX_TITLE, PROOF_INDEX))
            return


# -- pages ----------------------------------------------------------------------
def offer_notebook(app, pagename, templatename, context, doctree):
    """Let the download menu offer the page's reader notebook (notebooks/<set>/),
    the self-study one on the website and the student one in the student edition."""
    if doctree is None or "ipynb_source" in context:
        return
    try:
        source = Path(app.env.doc2path(pagename))
    except Exception:  # a generated page
        return
    if source.suffix != ".py":
        return
    edition = getattr(app.config, "reader_notebooks_set", "self-study")
    srcdir = Path(app.srcdir).resolve()
    # The student edition builds in _build/student: the tracked notebooks are above it.
    candidates = (root / "notebooks" / edition / f"{pagename}.ipynb"
                  for root in (srcdir, *srcdir.parents))
    notebook = next((c for c in candidates if c.exists()), None)
    if notebook is None:
        return
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(notebook, target)
    context["ipynb_source"] = f"{pagename}.ipynb"


def include_each_script_once(app, pagename, templatename, context, doctree):
    # In place: handlers that add a script later append to this same list. Runs
    # early (priority 100) since a handler returning a template stops the event.
    scripts = context.get("script_files", [])
    seen, kept = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {})
        # the same inline script is registered once with filename None, once with ""
        key = (str(getattr(script, "filename", script) or ""),
               tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    scripts[:] = kept


def default_colour_mode(app, config):
    context = dict(config.html_context or {})
    context.setdefault("default_mode", "auto")
    config.html_context = context


# -- bibliography ---------------------------------------------------------------
def _author_year_style():
    """pybtex's plain style with labels such as "Fort et al., 2020", the form
    of the in-text citations (``bibtex_reference_style: author_year``)."""
    from pybtex.richtext import Text
    from pybtex.style.formatting.plain import Style as Plain
    from pybtex.style.labels import BaseLabelStyle

    def last_name(person):
        return Text.from_latex(" ".join(person.prelast_names + person.last_names)).render_as("text")

    class AuthorYearLabels(BaseLabelStyle):
        def format_labels(self, sorted_entries):
            labels = [self.label(entry) for entry in sorted_entries]
            count = {label: labels.count(label) for label in labels}
            used = {}
            for label in labels:
                if count[label] == 1:
                    yield label
                else:  # two works with one label: "2019a", "2019b"
                    used[label] = used.get(label, 0) + 1
                    yield f"{label}{chr(ord('a') + used[label] - 1)}"

        @staticmethod
        def label(entry):
            people = entry.persons.get("author") or entry.persons.get("editor") or []
            names = [last_name(p) for p in people]
            if not names:
                who = entry.key
            elif len(names) == 1:
                who = names[0]
            elif len(names) == 2:
                who = f"{names[0]} and {names[1]}"
            else:
                who = f"{names[0]} et al."
            return f"{who}, {entry.fields.get('year', 'n.d.')}"

    class AuthorYear(Plain):
        default_label_style = AuthorYearLabels

    return AuthorYear


# -- API reference ------------------------------------------------------------
class CourseApi(Directive):
    """``{course-api} package`` (in a MyST page): one section per public module of
    ``package``, with autodoc's documentation of what the module's ``__all__``
    lists (every public member when it has none)."""

    required_arguments = 1
    has_content = False

    def run(self):
        package = importlib.import_module(self.arguments[0])
        lines = []
        modules = pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
        for name in sorted(m.name for m in modules):
            if any(part.startswith("_") for part in name.split(".")):
                continue
            # MyST text: a heading, then autodoc in reStructuredText (autodoc's
            # generated text is reStructuredText, so it needs eval-rst)
            lines += [f"## `{name}`", "", "```{eval-rst}", f".. automodule:: {name}",
                      "   :members:", "```", ""]
        body = nodes.section()
        body.document = self.state.document
        self.state.nested_parse(StringList(lines, source="course-api"), 0, body, match_titles=True)
        return body.children


def escape_bars(app, what, name, obj, options, lines):
    """Docstrings write norms as ``|x|``, which reStructuredText reads as a
    substitution; escape bars outside literals and roles (doctest lines stay)."""
    for i, line in enumerate(lines):
        if line.lstrip().startswith((">>>", "...")) or "|" not in line:
            continue
        literals = line.split("``")
        for j in range(0, len(literals), 2):  # even parts lie outside ``literals``
            roles = literals[j].split("`")
            for k in range(0, len(roles), 2):  # and outside `roles`
                roles[k] = re.sub(r"(?<!\\)\|", r"\\|", roles[k])
            literals[j] = "`".join(roles)
        lines[i] = "``".join(literals)


API_NAME = re.compile(r"^(?P<name>[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)+)(?:\(.*\))?$", re.S)


def link_package_names(app, doctree, docname):
    """Link inline code that names a documented object of the package, such as
    ``ps06.linear_gain(...)`` or ``kernels.fc_kernels``, to its entry in the
    API reference (a dotted name whose ending matches exactly one object)."""
    if app.builder.format != "html":
        return
    objects = app.env.get_domain("py").objects
    if not objects:
        return
    by_suffix = {}
    for fullname, entry in objects.items():
        parts = fullname.split(".")
        for i in range(len(parts) - 1):
            by_suffix.setdefault(".".join(parts[i:]), []).append(entry)
    for literal in list(doctree.findall(nodes.literal)):
        if isinstance(literal.parent, nodes.reference):
            continue
        match = API_NAME.match(literal.astext().strip())
        if not match:
            continue
        entries = by_suffix.get(match["name"], [])
        if len(entries) != 1 or entries[0].docname == docname:
            continue
        entry = entries[0]
        uri = app.builder.get_relative_uri(docname, entry.docname) + "#" + entry.node_id
        reference = nodes.reference("", "", internal=True, refuri=uri,
                                    reftitle=f"{match['name']} in the API reference")
        literal.replace_self(reference)
        reference.append(literal)


def share_html_visitors(app):
    """``make pdf`` builds with ``singlehtml``: Sphinx looks up node visitors by
    builder name and uses those of "html" only when a builder has none of its
    own, so sphinx-proof's boxes would have no visitor there."""
    handlers = app.registry.translation_handlers
    if app.builder.name != "html" and app.builder.format == "html" and app.builder.name in handlers:
        merged = dict(handlers.get("html", {}))
        merged.update(handlers[app.builder.name])
        handlers[app.builder.name] = merged


def add_stylesheet(app):
    static = str(Path(__file__).parent / "static")
    if static not in app.config.html_static_path:
        app.config.html_static_path.append(static)
    app.add_css_file("course_site.css")


def setup(app):
    from pybtex.plugin import register_plugin

    register_plugin("pybtex.style.formatting", "authoryear", _author_year_style())
    app.connect("builder-inited", register_proof_index)
    app.connect("builder-inited", share_html_visitors)
    app.connect("builder-inited", add_stylesheet)
    app.connect("config-inited", default_colour_mode)
    app.connect("doctree-read", add_proof_index_to_menu, priority=400)
    app.connect("env-get-updated", number_unnumbered_pages_locally, priority=900)
    app.connect("html-page-context", offer_notebook, priority=500)
    app.connect("html-page-context", include_each_script_once, priority=100)
    app.add_directive("course-api", CourseApi)
    app.connect("autodoc-process-docstring", escape_bars)
    app.connect("doctree-resolved", link_package_names)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
