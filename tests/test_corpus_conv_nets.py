"""The conv_nets hidden suite against a corpus of submissions.

Each buggy mutation of the reference must cost points on exactly the tasks it names
(the network runs on the student's own fast layers and spatial batch norm, so bugs
there also cost network points); alternative correct implementations and the
reference must score full marks; the untouched release must score nothing.
"""
from __future__ import annotations


import pytest

from autograder.manifest import load_manifest
from grading_support import Mutation, bug, corpus_params, grade_mutation, lost_tasks, untouched_release_task_states

ASSIGNMENT = "conv_nets"
LAYERS, PYX, CNN = "numnet/layers.py", "numnet/im2col_cython.pyx", "numnet/classifiers/cnn.py"
CONV_LOOP = (
    "    out = np.empty((x.shape[0], F, H_out, W_out), dtype=np.result_type(x, w, b))\n"
    "    for i in range(H_out):\n"
    "        for j in range(W_out):\n"
    "            window = x_pad[:, :, i * stride : i * stride + HH, j * stride : j * stride + WW]\n"
    "            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b\n"
)
POOL_WINDOW = "x[:, :, i * stride : i * stride + ph, j * stride : j * stride + pw]"
POOL_TO_FIRST_MAX = (
    "            r, q = np.divmod(window.reshape(N, C, -1).argmax(axis=2), pw)\n"
    "            dx[n, c, i * stride + r, j * stride + q] += dout[:, :, i, j]\n"
)
SPATIAL_BN_FLAT = (
    "    flat = x.transpose(0, 2, 3, 1).reshape(-1, C)\n"
    "    out_flat, cache = batchnorm_forward(flat, gamma, beta, bn_param)\n"
)
GROUP_STATS = (
    "    groups = x.reshape(N, G, -1)\n"
    "    inv_std = 1 / np.sqrt(groups.var(axis=2, keepdims=True) + eps)\n"
    "    x_hat = ((groups - groups.mean(axis=2, keepdims=True)) * inv_std).reshape(x.shape)\n"
)
IM2COL_ROW = ("row = (c * field_height + i) * field_width + j\n"
              "                    _valid_span(j - padding, W, W_out, stride, &x_first, &x_stop)\n"
              "                    for n in range(N):\n"
              "                        for y in range(H_out):\n"
              "                            dst =")


BUGS = [
    bug("conv pad ignored", LAYERS, "x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n    out = np.empty(",
        "x_pad = x\n    out = np.empty(", "conv_naive"),
    bug("conv stride ignored in backward", LAYERS, "rows = slice(i * stride, i * stride + HH)",
        "rows = slice(i, i + HH)", "conv_naive"),
    bug("conv kernel flipped", LAYERS, "np.tensordot(window, w, axes=",
        "np.tensordot(window, w[:, :, ::-1, ::-1], axes=", "conv_naive"),
    bug("conv dw with spatial axes swapped", LAYERS, "dw += np.tensordot(g, x_pad[:, :, rows, cols], axes=(0, 0))",
        "dw += np.tensordot(g, x_pad[:, :, rows, cols], axes=(0, 0)).swapaxes(2, 3).reshape(dw.shape)",
        "conv_naive"),
    bug("conv db missing", LAYERS, "db = dout.sum(axis=(0, 2, 3))", "db = np.zeros(dout.shape[1])", "conv_naive"),
    bug("pool backward to every tied maximum", LAYERS, POOL_TO_FIRST_MAX,
        "            hit = window == window.max(axis=(2, 3), keepdims=True)\n"
        "            dx[:, :, i * stride : i * stride + ph, j * stride : j * stride + pw] += "
        "hit * dout[:, :, i, j][:, :, None, None]\n", "max_pool_naive"),
    bug("pool backward unravels with the pool height", LAYERS, "argmax(axis=2), pw)", "argmax(axis=2), ph)",
        "max_pool_naive"),
    bug("pool stride ignored", LAYERS, f"out[:, :, i, j] = {POOL_WINDOW}",
        "out[:, :, i, j] = x[:, :, i : i + ph, j : j + pw]", "max_pool_naive"),
    bug("spatial batchnorm reshape without transpose", LAYERS, "flat = x.transpose(0, 2, 3, 1).reshape(-1, C)",
        "flat = x.reshape(-1, C)", "spatial_batchnorm", "three_layer_convnet"),
    bug("spatial batchnorm statistics over the batch axis only", LAYERS, SPATIAL_BN_FLAT,
        "    flat = x.transpose(0, 2, 3, 1).reshape(N, -1)\n"
        "    out_flat, cache = batchnorm_forward(flat, np.tile(gamma, H * W), np.tile(beta, H * W), bn_param)\n",
        "spatial_batchnorm", "three_layer_convnet"),
    bug("groupnorm groups split along H", LAYERS, "groups = x.reshape(N, G, -1)",
        "groups = x.transpose(0, 2, 1, 3).reshape(N, G, -1)", "spatial_groupnorm"),
    bug("groupnorm without eps", LAYERS, "inv_std = 1 / np.sqrt(groups.var(axis=2, keepdims=True) + eps)",
        "inv_std = 1 / np.sqrt(groups.var(axis=2, keepdims=True))", "spatial_groupnorm"),
    bug("im2col zeroes one column too many", PYX, "for k in range(x_stop, W_out):",
        "for k in range(max(x_stop - 1, x_first), W_out):", "im2col", "three_layer_convnet"),
    bug("im2col rows in the wrong index order", PYX, IM2COL_ROW,
        IM2COL_ROW.replace("(c * field_height + i) * field_width + j", "(i * C + c) * field_width + j"),
        "im2col", "three_layer_convnet"),
    bug("network penalty without the 0.5", CNN, "loss += l2_penalty(self.reg, (p[\"W1\"], p[\"W2\"], p[\"W3\"]))",
        "loss += 2 * l2_penalty(self.reg, (p[\"W1\"], p[\"W2\"], p[\"W3\"]))", "three_layer_convnet"),
    bug("network sized without the pool", CNN,
        "pooled_features = num_filters * ((conv_h - 2) // 2 + 1) * ((conv_w - 2) // 2 + 1)",
        "pooled_features = num_filters * conv_h * conv_w", "three_layer_convnet"),
    bug("network convolution without padding", CNN, "pad = (filter_size - 1) // 2", "pad = 0",
        "three_layer_convnet"),
]

ALTERNATIVES = [
    Mutation("conv window products with einsum", LAYERS, "np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))",
             'np.einsum("nchw,fchw->nf", window, w)'),
    Mutation("conv on a strided window view", LAYERS, CONV_LOOP,
             "    view = np.lib.stride_tricks.sliding_window_view(x_pad, (HH, WW), axis=(2, 3))\n"
             "    windows = view[:, :, ::stride, ::stride]\n"
             '    out = np.einsum("ncyxhw,fchw->nfyx", windows, w) + b[:, None, None]\n'),
    Mutation("pool by reshaping when the windows tile", LAYERS,
             "    out = np.empty(x.shape[:2] + (H_out, W_out), dtype=x.dtype)\n",
             "    if ph == pw == stride:\n"
             "        blocks = x.reshape(x.shape[0], x.shape[1], H_out, ph, W_out, pw)\n"
             "        return blocks.max(axis=(3, 5)), (x, ph, pw, stride)\n"
             "    out = np.empty(x.shape[:2] + (H_out, W_out), dtype=x.dtype)\n"),
    Mutation("groupnorm statistics with explicit loops", LAYERS, GROUP_STATS,
             "    size = C // G\n"
             "    inv_std = np.empty((N, G, 1), dtype=x.dtype)\n"
             "    x_hat = np.empty_like(x)\n"
             "    for n in range(N):\n"
             "        for g in range(G):\n"
             "            block = x[n, g * size : (g + 1) * size]\n"
             "            inv_std[n, g, 0] = 1 / np.sqrt(block.var() + eps)\n"
             "            x_hat[n, g * size : (g + 1) * size] = (block - block.mean()) * inv_std[n, g, 0]\n"),
    Mutation("groupnorm statistics on a 5-D view with keepdims, dividing by the std", LAYERS, GROUP_STATS,
             "    groups = x.reshape(N, G, C // G, H, W)\n"
             "    mean = groups.mean(axis=(2, 3, 4), keepdims=True)\n"
             "    var = ((groups - mean) ** 2).mean(axis=(2, 3, 4), keepdims=True)\n"
             "    x_hat = ((groups - mean) / np.sqrt(var + eps)).reshape(x.shape)\n"
             "    inv_std = (1 / np.sqrt(var + eps)).reshape(N, G, 1)\n"),
    Mutation("conv summing each filter's window products separately", LAYERS,
             "            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b\n",
             "            for f in range(F):\n"
             "                out[:, f, i, j] = np.sum(window * w[f], axis=(1, 2, 3)) + b[f]\n"),
    Mutation("pool forward taking each window's maximum over a flattened window", LAYERS,
             f"out[:, :, i, j] = {POOL_WINDOW}.max(axis=(2, 3))",
             f"out[:, :, i, j] = np.max({POOL_WINDOW}.reshape(x.shape[0], x.shape[1], -1), axis=2)"),
]


@pytest.mark.slow
@pytest.mark.parametrize("mutation", corpus_params(BUGS, ALTERNATIVES))
def test_points_are_lost_exactly_where_the_submission_is_wrong(tmp_path, mutation):
    assert lost_tasks(grade_mutation(ASSIGNMENT, tmp_path, mutation)) == (mutation.lost if mutation else set())


@pytest.mark.slow
def test_untouched_release_scores_nothing(tmp_path):
    expected = {name: (0, "not_implemented") for name in load_manifest(ASSIGNMENT).tasks}
    assert untouched_release_task_states(ASSIGNMENT, tmp_path) == expected
