"""One figure style for the whole course, and the plots lectures share.

>>> use_style()
"""
from __future__ import annotations

import matplotlib as mpl
import numpy as np

__all__ = ["use_style", "PALETTE", "MAX_WIDTH_IN", "loglog_with_fit", "image_grid", "html_table",
           "glue_figure", "panels", "legend_below", "colorbar"]

#: colour-blind-safe palette (Okabe & Ito)
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442",
           "#000000"]


#: the widest figure that fits the book's text column (688 px) without shrinking
#: its fonts below legibility; also the widest a figure should be
MAX_WIDTH_IN = 7.0


def use_style() -> None:
    """Set the course's matplotlib defaults: sizes, palette, light grid, fonts
    that stay legible when a 7-inch figure is shown in the 688 px column (and
    zoomed on a phone), and high-resolution ("retina") inline and glued figures.

    The layout unit is 100 dpi (a 7-inch figure is 700 px wide, the column's
    width); notebooks and the website receive twice as many pixels.
    """
    mpl.rcParams.update({
        "figure.figsize": (6.4, 4.0),
        "figure.dpi": 100,
        "savefig.dpi": 200,
        "figure.constrained_layout.use": False,
        "axes.prop_cycle": mpl.cycler(color=PALETTE),
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "font.size": 11,
        "axes.titlesize": 12,
        "axes.labelsize": 11,
        "xtick.labelsize": 10,
        "ytick.labelsize": 10,
        "legend.fontsize": 10,
        "legend.frameon": False,
        "figure.titlesize": 12,
        "lines.linewidth": 1.8,
        "lines.markersize": 5,
        "image.cmap": "viridis",
    })
    _high_resolution_inline()


def _high_resolution_inline() -> None:
    """PNG at twice the layout resolution in Jupyter, Colab and the book build
    (myst-nb's glue uses the same formatter); nothing outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    if get_ipython() is None:
        return
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:
        return
    set_matplotlib_formats("retina")


def loglog_with_fit(ax, x, y, fit, *, label: str, color=None, marker: str = "o"):
    """Plot ``y`` (mean over the last axis if 2-D, with its spread) against ``x``
    on log-log axes, with the fitted power law ``fit`` as a dashed line."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    mean = y.mean(axis=1) if y.ndim == 2 else y
    line = ax.loglog(x, mean, marker, color=color, label=label)[0]
    if y.ndim == 2 and y.shape[1] > 1:
        ax.fill_between(x, y.min(axis=1), y.max(axis=1), color=line.get_color(), alpha=0.15)
    grid = np.geomspace(x.min(), x.max(), 50)
    ax.loglog(grid, fit(grid), "--", color=line.get_color(),
              label=f"fit: exponent {fit.exponent:.2f}")
    return line


def image_grid(fig, images, *, rows: int, cols: int, shape, titles=None, cmap="gray_r"):
    """Show ``images`` (``(n, prod(shape))``) in a ``rows x cols`` grid of axes."""
    axes = fig.subplots(rows, cols, squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(images):
            ax.imshow(np.asarray(images[i]).reshape(shape), cmap=cmap)
            if titles is not None:
                ax.set_title(titles[i], fontsize=8)
    return axes


def html_table(header, rows, *, align_right_from: int = 0):
    """A results table for notebooks and the website, with padded, aligned cells.

    ``header`` is a list of column titles and ``rows`` a list of lists of cell
    strings; columns from ``align_right_from`` on are right-aligned (numbers).

    >>> html_table(["a", "b"], [["x", "1.0"]]).data.count("<td")
    2
    """
    from html import escape

    from IPython.display import HTML

    def cell(tag, text, index):
        align = "right" if index >= align_right_from else "left"
        return (f'<{tag} style="padding:3px 12px;text-align:{align};'
                f'border-bottom:1px solid #ddd">{escape(str(text))}</{tag}>')

    head = "".join(cell("th", h, i) for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(cell("td", c, i) for i, c in enumerate(row)) + "</tr>"
                   for row in rows)
    return HTML(f'<table style="border-collapse:collapse;margin:0.5em 0">'
                f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def glue_figure(name: str, fig) -> None:
    """Hand ``fig`` to the page's numbered ``{glue:figure}`` block named ``name``.

    In the book build (:func:`ntk_course.config.build_mode`) the figure is glued
    and shown only where the page's ``{glue:figure}`` directive puts it, with its
    number, caption and alt text; in an interactive session (Colab, Jupyter) it
    is simply shown below the cell.

    >>> import matplotlib.pyplot as plt
    >>> fig = plt.figure(); glue_figure("fig-example", fig)
    """
    import matplotlib.pyplot as plt

    from . import config

    if config.build_mode():
        try:
            from myst_nb import glue
        except ImportError:  # a build without myst-nb cannot place the figure
            plt.show()
            return
        glue(name, fig, display=False)
        plt.close(fig)
    else:
        plt.show()


def panels(n: int, *, ncols: int | None = None, width: float = MAX_WIDTH_IN,
           aspect: float = 0.75, **subplot_kw):
    """A figure with ``n`` panels, at most three to a row, ``width`` inches wide.

    Rows are stacked when ``n > 3`` (readable in the column and on a phone); each
    panel's height is ``aspect`` times its width. Returns ``(fig, axes)`` with
    ``axes`` a flat list of the ``n`` axes (unused grid cells are removed).
    ``subplot_kw`` goes to :meth:`matplotlib.figure.Figure.subplots`
    (``sharex``, ``sharey``, ...).

    >>> fig, axes = panels(5)
    >>> len(axes), fig.get_size_inches().round(2).tolist()
    (5, [7.0, 3.5])
    """
    import matplotlib.pyplot as plt

    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if width <= 0 or width > MAX_WIDTH_IN:
        raise ValueError(f"width must be in (0, {MAX_WIDTH_IN}] inches, got {width!r}")
    if aspect <= 0:
        raise ValueError(f"aspect must be positive, got {aspect!r}")
    ncols = min(n, 3) if ncols is None else ncols
    if not 1 <= ncols <= 3:
        raise ValueError(f"ncols must be 1, 2 or 3 (at most three panels a row), got {ncols!r}")
    nrows = -(-n // ncols)
    fig = plt.figure(figsize=(width, nrows * aspect * width / ncols), layout="constrained")
    grid = fig.subplots(nrows, ncols, squeeze=False, **subplot_kw)
    axes = list(grid.flat)
    for ax in axes[n:]:
        ax.remove()
    return fig, axes[:n]


def legend_below(fig, handles=None, labels=None, *, ncol: int | None = None, **kw):
    """One legend for the whole figure, centred below the axes, so it never
    covers data. Entries come from every axis (duplicates by label merged)
    unless ``handles`` and ``labels`` are given; ``ncol`` defaults to up to 4
    columns. Use a figure created with constrained layout (as :func:`panels`
    makes) so the legend gets its own space.
    """
    if handles is None:
        seen = {}
        for ax in fig.axes:
            for handle, label in zip(*ax.get_legend_handles_labels()):
                if not label.startswith("_"):
                    seen.setdefault(label, handle)
        labels, handles = list(seen), list(seen.values())
    elif labels is None:
        labels = [h.get_label() for h in handles]
    if not handles:
        raise ValueError("no labelled artists: give the plotted lines a label or pass handles")
    ncol = min(4, len(handles)) if ncol is None else ncol
    return fig.legend(handles, labels, loc="outside lower center", ncol=ncol, **kw)


def colorbar(ax, mappable, *, label: str | None = None, **kw):
    """A colorbar beside ``ax`` for ``mappable`` (what ``imshow``, ``pcolormesh``
    or ``scatter(c=...)`` return), labelled ``label``: every heat map gets one."""
    bar = ax.figure.colorbar(mappable, ax=ax, **kw)
    if label is not None:
        bar.set_label(label)
    return bar
