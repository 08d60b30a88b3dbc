"""The figure style and the layout helpers of ntk_course.plotting."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from ntk_course import plotting, stats  # noqa: E402


def test_style_is_legible_at_the_column_width():
    plotting.use_style()
    rc = matplotlib.rcParams
    # a 7-inch figure fills the 688 px column at about 1 layout px per screen px:
    # 10 pt tick labels are then at least 13 px on screen
    scale = 688 / (plotting.MAX_WIDTH_IN * rc["figure.dpi"])
    assert min(rc["xtick.labelsize"], rc["legend.fontsize"]) * rc["figure.dpi"] / 72 * scale >= 13
    assert rc["savefig.dpi"] >= 2 * rc["figure.dpi"]  # high-resolution files


@pytest.mark.parametrize("n, rows", [(1, 1), (2, 1), (3, 1), (4, 2), (5, 2), (7, 3)])
def test_panels_put_at_most_three_in_a_row(n, rows):
    fig, axes = plotting.panels(n)
    assert len(axes) == n and len(fig.axes) == n
    lefts = sorted({round(ax.get_position().x0, 3) for ax in axes})
    assert len(lefts) <= 3
    assert fig.get_size_inches()[0] <= plotting.MAX_WIDTH_IN
    assert len({round(ax.get_position().y0, 3) for ax in axes}) == rows
    plt.close(fig)


@pytest.mark.parametrize("kw, name", [(dict(n=0), "n"), (dict(n=2, width=9), "width"),
                                      (dict(n=4, ncols=4), "ncols"), (dict(n=2, aspect=0), "aspect")])
def test_panels_reject_bad_arguments(kw, name):
    with pytest.raises(ValueError, match=name):
        plotting.panels(**kw)


def test_legend_below_sits_under_every_axis():
    fig, axes = plotting.panels(2)
    for i, ax in enumerate(axes):
        ax.plot([0, 1], [0, i], label="same" if i else "first")
        ax.plot([0, 1], [1, 0], label="same")
    legend = plotting.legend_below(fig)
    fig.canvas.draw()
    assert [t.get_text() for t in legend.get_texts()] == ["first", "same"]
    top = legend.get_window_extent().y1
    assert all(top <= ax.get_window_extent().y0 + 1 for ax in axes)  # covers no data
    plt.close(fig)


def test_legend_below_needs_labels():
    fig, axes = plotting.panels(1)
    axes[0].plot([0, 1])
    with pytest.raises(ValueError, match="label"):
        plotting.legend_below(fig)
    plt.close(fig)


def test_colorbar_is_labelled():
    fig, axes = plotting.panels(1)
    image = axes[0].imshow(np.arange(6.0).reshape(2, 3))
    bar = plotting.colorbar(axes[0], image, label="value")
    assert bar.ax.get_ylabel() == "value" and len(fig.axes) == 2
    plt.close(fig)


def test_plotting_helpers_draw():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plotting.use_style()
    fig, ax = plt.subplots()
    fit = stats.power_law_fit([1, 2, 4], [1, 0.5, 0.25])
    plotting.loglog_with_fit(ax, [1, 2, 4], [1, 0.5, 0.25], fit, label="y")
    assert len(ax.lines) == 2
    fig2 = plt.figure()
    axes = plotting.image_grid(fig2, np.zeros((3, 4)), rows=1, cols=3, shape=(2, 2))
    assert axes.shape == (1, 3)
    plt.close("all")
