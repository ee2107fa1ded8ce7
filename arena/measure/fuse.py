"""BatchNorm folding for inference: every BN that directly follows a conv is folded into it.

Why at the block level and not by pattern-matching a traced graph: the blocks build their
conv -> BN pairs as adjacent children of an `nn.Sequential` (`ConvBNAct`, `op.lateral`, the
weighted-sum's separable conv), so adjacency there *is* dataflow, with no tracing and no guessing.
A BN anywhere else (SSAM's strip BNs after a shared conv, BN after a transposed conv or a pooling)
is kept, because what feeds it is not known from the module tree. The arithmetic is torch's own
`torch.nn.utils.fusion.fuse_conv_bn_eval`; the folded conv keeps a bias, the BN becomes Identity.
"""
from __future__ import annotations

import copy

from torch import nn


def fold_bn(net: nn.Module) -> tuple[nn.Module, int]:
    """An eval-mode copy of `net` with every conv -> BN pair of a Sequential folded; (copy, pairs folded)."""
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    folded = copy.deepcopy(net).eval()
    count = 0
    for seq in [m for m in folded.modules() if isinstance(m, nn.Sequential)]:
        names = list(seq._modules)
        for first, second in zip(names, names[1:]):
            conv, bn = seq._modules[first], seq._modules[second]
            if type(conv) is nn.Conv2d and type(bn) is nn.BatchNorm2d and bn.track_running_stats \
                    and conv.out_channels == bn.num_features:
                seq._modules[first] = fuse_conv_bn_eval(conv, bn)
                seq._modules[second] = nn.Identity()
                count += 1
    return folded, count


def count_bn(net: nn.Module) -> int:
    """BatchNorm layers left in a network (what folding could not reach is reported, not hidden)."""
    return sum(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in net.modules())
