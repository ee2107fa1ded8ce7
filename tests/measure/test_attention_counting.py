"""Counting attention: the primary counter's MACs of each classic block equal the fvcore figures
measured on the official modules (specs/attention.md §9.3, C = 128, 64x128), plus, where arena's
documented convention counts an op fvcore leaves out, that op written out; the attention-map check
refuses, in one line with a size that fits, what would not fit in memory, and a study's preflight
uses it."""
from __future__ import annotations

import re

import pytest
import torch
from torch import nn

from arena.api import build
from arena.measure import counters
from arena.measure.attention_memory import attention_maps, attention_need, check_attention_memory
from arena.measure.profile import ProfileError
from arena.studies.plan import Job, preflight
from blocks.registry import FeatureSpec, get

C, H, W = 128, 64, 128
N = H * W


class OneNode(nn.Module):
    def __init__(self, block):
        super().__init__()
        self.nodes = nn.ModuleDict({"a": block})

    def forward(self, x):
        return self.nodes["a"](x)


# specs/attention.md §9.3 (fvcore on the official modules)
FVCORE = {("eca", ()): 1_048_960, ("eca", (("k_size", 5),)): 1_049_216, ("coord", ()): 2_493_440,
          ("cca", (("recurrence", 1),)): 394_264_576, ("cca", ()): 788_529_152, ("pam", ()): 9_831_448_576,
          ("cam", ()): 268_435_456, ("gc", ()): 2_099_240, ("gc", (("reduction", 4),)): 2_105_504,
          ("cbam", ()): 823_296}
# arena's primary counter also counts what fvcore does not (counters.py table): CBAM's full-map avg_pool2d
# (kernel area per output: C*n) and its channel mean (1 per input: C*n)
ARENA_EXTRA = {("cbam", ()): 2 * C * N}


@pytest.mark.parametrize("name,kw", list(FVCORE), ids=[f"{n}{dict(k)}" for n, k in FVCORE])
def test_primary_macs_equal_the_official_fvcore_count(name, kw):
    with torch.device("meta"):
        block = get("attention", name)(FeatureSpec(C, 8), **dict(kw)).eval()
    counted = counters.count_primary(OneNode(block), torch.empty(1, C, H, W, device="meta"))
    assert counted["per_node"]["a"] == FVCORE[(name, kw)] + ARENA_EXTRA.get((name, kw), 0)


def test_matmuls_of_the_token_mixers_are_counted():
    """segformer.md §3.1's cost: products 2NMC, sr C^2 R^2 M, q and proj 2NC^2, kv 2MC^2; plus the two
    LayerNorms at 5 per element (§7.3). N = 16x32 tokens, M = 4x8 (sr 4 at stride 8), C = 64."""
    with torch.device("meta"):
        block = get("attention", "efficient_sa")(FeatureSpec(64, 8), ffn=False).eval()
    n, m, c, r = 16 * 32, 4 * 8, 64, 4
    expected = 2 * n * m * c + c * c * r * r * m + 2 * n * c * c + 2 * m * c * c + 5 * n * c + 5 * m * c
    assert counters.count_primary(OneNode(block), torch.empty(1, c, 16, 32, device="meta"))["total"] == expected


def test_position_attention_map_is_quadratic_in_pixels():
    net = build("fanet18[attention=pam]", device="meta")
    small = dict((n, b) for n, _, b in attention_maps(net, 256, 512))
    large = dict((n, b) for n, _, b in attention_maps(net, 512, 1024))
    n = (256 // 8) * (512 // 8)  # a1 runs at stride 8 on 64 channels
    assert small["a1"] == 4 * n * n and large["a1"] == 16 * small["a1"]


def test_memory_refusal_names_a_resolution_that_fits():
    net = build("fanet18[attention=pam]", device="meta")
    limit = 2 ** 30
    with pytest.raises(ProfileError) as e:
        check_attention_memory(net, 1024, 2048, batch=2, training=True, limit=limit)
    message = str(e.value)
    assert "\n" not in message and "attention.pam" in message and "a1" in message
    h, w = map(int, re.search(r"use (\d+)x(\d+) or smaller", message).groups())
    assert (h, w) < (1024, 2048)
    assert attention_need(attention_maps(net, h, w), 2, True) <= limit
    check_attention_memory(net, h, w, batch=2, training=True, limit=limit)  # and it does fit


def test_linear_attention_is_not_refused_where_position_attention_is():
    job = Job("profile", ("fanet18[attention=pam]",), (4096, 8192))
    problems = preflight([job, Job("profile", ("fanet18[attention=external]",), (4096, 8192))])
    assert len(problems) == 1 and "attention maps" in problems[0][1] and "pam" in problems[0][0]
