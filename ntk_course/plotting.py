"""One figure style for the whole course, and the plots lectures share.

>>> use_style()
"""
from __future__ import annotations

import matplotlib as mpl
import numpy as np

__all__ = ["use_style", "PALETTE", "loglog_with_fit", "image_grid", "html_table", "glue_figure"]

#: colour-blind-safe palette (Okabe & Ito)
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442",
           "#000000"]


def use_style() -> None:
    """Set the course's matplotlib defaults (sizes, palette, light grid)."""
    mpl.rcParams.update({
        "figure.figsize": (6.4, 4.0),
        "figure.dpi": 110,
        "savefig.dpi": 150,
        "axes.prop_cycle": mpl.cycler(color=PALETTE),
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 11,
        "axes.labelsize": 10,
        "legend.fontsize": 9,
        "legend.frameon": False,
        "font.size": 10,
    })


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
