"""PIDNet's boundary loss path (specs/pidnet.md §3.7), checked against hand computations:
edge labels, the class-balanced BCE, the BAS loss, and the sum total_loss makes of them."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

import arena
from arena.train.losses import IGNORE, pixel_loss, total_loss
from blocks.heads.boundary import balanced_bce, bas_loss, boundary_labels


def test_edge_labels_mark_label_changes_dilated_by_four():
    labels = torch.zeros(1, 6, 8, dtype=torch.long)
    labels[:, :, 3:] = 5  # a vertical boundary between columns 2 and 3: column 2's right neighbour differs
    edges = boundary_labels(labels)
    assert edges.shape == (1, 1, 6, 8)
    # OpenCV's 4x4 dilation (anchor 2, 2) spreads column 2 over columns 0..3 shifted by the anchor: 1..4
    assert edges[0, 0, 0].tolist() == [0, 1, 1, 1, 1, 0, 0, 0]
    assert edges[0, 0].eq(edges[0, 0, :1]).all()  # every row alike
    assert boundary_labels(torch.full((1, 4, 4), IGNORE)).sum() == 0  # one label: no edge


def test_balanced_bce_by_hand():
    """Zero logits: every pixel costs log 2; P positives weighted N/T, N negatives P/T, mean over T."""
    edges = torch.tensor([1.0, 1, 0, 0, 0, 0, 0, 0]).view(1, 1, 2, 4)
    loss = balanced_bce(torch.zeros(1, 1, 2, 4), edges)
    p, n, t = 2, 6, 8
    assert math.isclose(loss.item(), (p * n / t + n * p / t) / t * math.log(2), rel_tol=1e-6)


def test_bas_loss_keeps_only_confident_boundary_pixels():
    torch.manual_seed(0)
    logits, labels = torch.randn(1, 3, 4, 4), torch.randint(0, 3, (1, 4, 4))
    boundary = torch.full((1, 1, 4, 4), -5.0)
    boundary[..., 0, :] = 5.0  # sigmoid(5) > 0.8 on the first row only
    want = F.cross_entropy(logits[..., 0, :], labels[..., 0, :])
    torch.testing.assert_close(bas_loss(logits, labels, boundary, 0.8, pixel_loss), want)
    assert bas_loss(logits, labels, torch.full_like(boundary, -5.0), 0.8, pixel_loss).item() == 0.0  # nothing on a boundary


def test_total_loss_of_pidnet_sums_the_official_terms():
    """total = main + 0.4 x CE(P head) + 20 x balanced BCE(D head) + 1.0 x BAS(main)."""
    torch.manual_seed(0)
    net = arena.build("pidnet_s").train()
    labels = torch.randint(0, 19, (2, 64, 64))
    out = net(torch.randn(2, 3, 64, 64))
    total, parts = total_loss(out, labels)
    (p_head, w_p), (d_head, w_d, _) = out["aux"]
    assert (w_p, w_d) == (0.4, 20.0)
    torch.testing.assert_close(parts["aux1"], F.cross_entropy(p_head, labels, ignore_index=IGNORE))
    torch.testing.assert_close(parts["aux2"], balanced_bce(d_head, boundary_labels(labels)))
    torch.testing.assert_close(parts["bas2"], bas_loss(out["out"], labels, d_head, 0.8, pixel_loss))
    torch.testing.assert_close(total, parts["main"] + 0.4 * parts["aux1"] + 20.0 * parts["aux2"] + parts["bas2"])
    total.backward()
    assert all(p.grad is not None for p in net.parameters())
