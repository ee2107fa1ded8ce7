"""Closed-form checks of the ablation blocks (attention.se/none, pyramid.none, the learned
upsamplers, space_to_depth/avgpool). Every expected value is derived from the block's definition
(parameter formulas, MACs of a conv, an exact functional identity at hand-set weights), never from
the blocks' own output."""
from __future__ import annotations

import pytest
import torch
import torch.fx
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from blocks.registry import BlockError, FeatureSpec as FS, get
from tests.helpers import fvcore_analysis

torch.manual_seed(0)


def n_params(m):
    return sum(p.numel() for p in m.parameters())


def macs(m, *xs):
    """Multiply-adds seen by torch's FlopCounterMode (it reports FLOPs = 2 x MACs)."""
    with FlopCounterMode(display=False) as fc:
        m(*xs)
    return fc.get_total_flops() // 2


def feat(spec, size, batch=1):
    side = -(-size // spec.stride)  # ceil, as padded strided convs give
    return torch.randn(batch, spec.channels, side, side)


# ---------------------------------------------------------------- identities

def test_attention_none_is_identity_without_parameters():
    m = get("attention", "none")(FS(32, 8))
    x = torch.randn(2, 32, 13, 17)
    assert n_params(m) == 0
    assert torch.equal(m(x), x)
    assert m.out_specs == (FS(32, 8),)


def test_pyramid_none_is_identity_and_projects_only_for_a_new_width():
    m = get("pyramid", "none")(FS(32, 32))
    x = torch.randn(2, 32, 5, 7)
    assert n_params(m) == 0 and torch.equal(m(x), x)
    p = get("pyramid", "none")(FS(32, 32), out=48)
    assert n_params(p) == 32 * 48 + 2 * 48  # 1x1 conv without bias + BN affine
    assert p.out_specs == (FS(48, 32),)


# ---------------------------------------------------------------- squeeze-and-excitation

@pytest.mark.parametrize("c, r, hidden", [(32, 16, 8), (512, 16, 32), (16, 4, 8)])
def test_se_parameter_count(c, r, hidden):
    m = get("attention", "se")(FS(c, 8), reduction=r)
    assert n_params(m) == c * hidden + hidden + hidden * c + c  # two FC layers with bias


def test_se_is_input_times_sigmoid_of_squeezed_context():
    m = get("attention", "se")(FS(16, 8))  # hidden = max(8, 16 // 16) = 8
    with torch.no_grad():
        for p in m.parameters():
            p.zero_()
        m.reduce.weight[0, 0] = 1.0  # hidden unit 0 = mean of channel 0
        m.expand.weight[:, 0] = 2.0  # every channel's logit = 2 * relu(hidden 0)
        m.expand.bias.fill_(-1.0)
    x = torch.randn(2, 16, 9, 11)
    x[1, 0] -= 5.0  # the second sample's mean is negative: relu clips it, gate = sigmoid(-1)
    gate = torch.sigmoid(2.0 * x[:, 0].mean(dim=(1, 2)).clamp(min=0) - 1.0)  # (B,)
    torch.testing.assert_close(m(x), x * gate.view(2, 1, 1, 1))


# ---------------------------------------------------------------- transposed conv

@pytest.mark.parametrize("cin, out, s, groups", [(32, 32, 4, 1), (32, 16, 2, 4), (64, 64, 8, 64)])
def test_deconv_parameters_and_macs_closed_form(cin, out, s, groups):
    m = get("upsampler", "deconv")(FS(cin, 8 * s), FS(16, 8), out=out, groups=groups, bn=False, act=None)
    k = 2 * s
    assert n_params(m) == cin * out * k * k // groups + out  # weight + bias (no BN)
    x, g = torch.randn(1, cin, 6, 5), torch.randn(1, 16, 6 * s, 5 * s)
    # a transposed conv scatters each input pixel through a k x k kernel: in*out*k^2*H_in*W_in/groups
    assert macs(m, x, g) == cin * out * k * k * 6 * 5 // groups
    with_bn = get("upsampler", "deconv")(FS(cin, 8 * s), FS(16, 8), out=out, groups=groups)
    assert n_params(with_bn) == cin * out * k * k // groups + 2 * out  # BN replaces the bias


def test_deconv_fvcore_agrees_with_the_closed_form():
    m = get("upsampler", "deconv")(FS(32, 32), FS(16, 8), bn=False, act=None)
    x, g = torch.randn(1, 32, 8, 8), torch.randn(1, 16, 32, 32)
    count = fvcore_analysis(m, (x, g))
    assert count.by_operator()["conv"] == 32 * 32 * 8 * 8 * 8 * 8


def test_deconv_depthwise_projects_first_then_one_filter_per_channel():
    m = get("upsampler", "deconv")(FS(32, 16), FS(16, 8), out=24, depthwise=True)
    assert n_params(m) == (32 * 24 + 2 * 24) + (24 * 4 * 4 + 2 * 24)  # 1x1 CBR, then dw deconv k=4 + BN


def test_deconv_rejects_non_power_of_two_scales():
    with pytest.raises(BlockError, match="power-of-two"):
        get("upsampler", "deconv")(FS(32, 24), FS(16, 8))
    with pytest.raises(BlockError, match="multiple"):
        get("upsampler", "deconv")(FS(32, 8), FS(16, 16))


# ---------------------------------------------------------------- pixel shuffle

def test_pixel_shuffle_parameters_and_macs():
    m = get("upsampler", "pixel_shuffle")(FS(32, 32), FS(16, 8), out=24)
    assert n_params(m) == 32 * 24 * 16 + 24 * 16  # 1x1 conv to out*s^2 with bias
    assert macs(m, torch.randn(1, 32, 5, 6), torch.randn(1, 16, 20, 24)) == 32 * 24 * 16 * 5 * 6


def test_pixel_shuffle_icnr_starts_as_nearest_upsampling():
    s = 4
    m = get("upsampler", "pixel_shuffle")(FS(32, 32), FS(16, 8), init="icnr")
    y = m(torch.randn(2, 32, 5, 6), torch.randn(2, 16, 20, 24))
    # ICNR: all s x s sub-pixels of a coarse pixel are equal
    torch.testing.assert_close(y, F.interpolate(y[..., ::s, ::s], scale_factor=s, mode="nearest"))


# ---------------------------------------------------------------- CARAFE

@pytest.mark.parametrize("s", [2, 4, 8])
@pytest.mark.parametrize("groups", [1, 2])
def test_carafe_with_uniform_kernels_is_a_neighbourhood_average(s, groups):
    k = 5
    m = get("upsampler", "carafe")(FS(16, 8 * s), FS(8, 8), k_up=k, groups=groups)
    with torch.no_grad():
        m.encoder.weight.zero_()
        m.encoder.bias.zero_()  # every softmax is uniform: 1 / k^2 on each tap
    x = torch.randn(2, 16, 5, 7)
    y = m(x, torch.randn(2, 8, 5 * s, 7 * s))
    mean = F.avg_pool2d(x, k, stride=1, padding=k // 2, count_include_pad=True)  # zeros outside, / k^2
    torch.testing.assert_close(y, F.interpolate(mean, scale_factor=s, mode="nearest"))


def test_carafe_kernel_channel_order_is_tap_major_then_subpixel():
    """Channel (tap * s^2 + i * s + j) of the encoder is the weight of `tap` at sub-pixel (i, j)
    (mmcv's pixel-shuffle order). Make sub-pixel (i, j) pick the neighbour at offset (i, j): then
    y[s*h + i, s*w + j] = x[h + i, w + j], zero past the border."""
    s, k, r = 2, 5, 2
    m = get("upsampler", "carafe")(FS(8, 16), FS(8, 8), k_up=k)
    with torch.no_grad():
        m.encoder.weight.zero_()
        m.encoder.bias.fill_(-60.0)
        for i in range(s):
            for j in range(s):
                tap = (r + i) * k + (r + j)
                m.encoder.bias[tap * s * s + i * s + j] = 60.0
    x = torch.randn(1, 8, 4, 6)
    y = m(x, torch.randn(1, 8, 8, 12))
    padded = F.pad(x, (0, 1, 0, 1))
    for i in range(s):
        for j in range(s):
            torch.testing.assert_close(y[..., i::s, j::s], padded[..., i:i + 4, j:j + 6])


def test_carafe_parameters_and_macs_closed_form():
    c, cm, k, ke, s, h, w = 32, 64, 5, 3, 4, 6, 5
    m = get("upsampler", "carafe")(FS(c, 32), FS(16, 8))
    enc = k * k * s * s
    assert n_params(m) == (c * cm + cm) + (cm * ke * ke * enc + enc)
    expected = (c * cm * h * w  # compressor
                + cm * ke * ke * enc * h * w  # content encoder
                + c * k * k * s * s * h * w)  # reassembly: k^2 taps per output element
    assert macs(m, torch.randn(1, c, h, w), torch.randn(1, 16, h * s, w * s)) == expected


def test_carafe_rejects_even_kernels():
    with pytest.raises(BlockError, match="odd"):
        get("upsampler", "carafe")(FS(16, 16), FS(8, 8), k_up=4)


# ---------------------------------------------------------------- flow alignment

@pytest.mark.parametrize("align_corners, padding_mode", [(True, "zeros"), (False, "border")])
def test_flow_align_with_zero_flow_is_bilinear_upsampling(align_corners, padding_mode):
    m = get("upsampler", "flow_align")(FS(32, 32), FS(16, 8), align_corners=align_corners,
                                       padding_mode=padding_mode)
    with torch.no_grad():
        m.flow.weight.zero_()
    x, g = torch.randn(2, 32, 4, 7), torch.randn(2, 16, 13, 25)  # odd, not an integer multiple
    expected = F.interpolate(x, size=(13, 25), mode="bilinear", align_corners=align_corners)
    torch.testing.assert_close(m(x, g), expected)


def test_flow_align_parameters_and_guide_dependence():
    m = get("upsampler", "flow_align")(FS(32, 32), FS(16, 8))  # mid = 16
    assert n_params(m) == 32 * 16 + 16 * 16 + 2 * 16 * 2 * 9  # two 1x1 and the 3x3 flow conv, no bias
    x = torch.randn(1, 32, 4, 4)
    assert not torch.allclose(m(x, torch.randn(1, 16, 16, 16)), m(x, torch.randn(1, 16, 16, 16)))


# ---------------------------------------------------------------- downsamplers

def test_space_to_depth_moves_each_patch_into_channels():
    f, c = 2, 3
    m = get("downsampler", "space_to_depth")(FS(c, 1), factor=f, out=c * f * f, act=None).eval()
    assert n_params(m) == c * f * f * c * f * f + 2 * c * f * f
    with torch.no_grad():
        m.mix[0].weight.copy_(torch.eye(c * f * f).view(c * f * f, c * f * f, 1, 1))
    x = torch.randn(2, c, 6, 8)
    y = m(x) * (1 + m.mix[1].eps) ** 0.5  # fresh BN in eval divides by sqrt(1 + eps)
    for ch in range(c):
        for i in range(f):
            for j in range(f):
                torch.testing.assert_close(y[:, ch * f * f + i * f + j], x[:, ch, i::f, j::f])


def test_space_to_depth_pads_odd_sizes_to_the_ceil_size():
    m = get("downsampler", "space_to_depth")(FS(3, 1), factor=4, out=16)
    assert m(torch.randn(1, 3, 13, 10)).shape == (1, 16, 4, 3)
    assert m.out_specs == (FS(16, 4),)
    keep = get("downsampler", "space_to_depth")(FS(8, 4), factor=2)  # out=None keeps the width
    assert keep.out_specs == (FS(8, 8),) and n_params(keep) == 8 * 4 * 8 + 2 * 8


def test_avgpool_is_the_patch_mean():
    m = get("downsampler", "avgpool")(FS(8, 2), factor=2)
    assert n_params(m) == 0 and m.out_specs == (FS(8, 4),)
    x = torch.randn(1, 8, 6, 4)
    torch.testing.assert_close(m(x), (x[..., 0::2, 0::2] + x[..., 0::2, 1::2] + x[..., 1::2, 0::2]
                                      + x[..., 1::2, 1::2]) / 4)
    assert get("downsampler", "avgpool")(FS(8, 2), factor=4, out=16)(torch.randn(1, 8, 9, 9)).shape == (1, 16, 3, 3)


# ---------------------------------------------------------------- role contract at awkward sizes

UPSAMPLERS = ["deconv", "pixel_shuffle", "carafe", "flow_align"]


@pytest.mark.parametrize("name", UPSAMPLERS)
@pytest.mark.parametrize("fit", ["crop", "resize"])
def test_upsamplers_match_the_guide_size_and_trace(name, fit):
    kwargs = {} if name == "flow_align" else {"fit": fit}
    x_spec, g_spec = FS(32, 32), FS(16, 8)
    m = get("upsampler", name)(x_spec, g_spec, out=24, **kwargs).eval()
    gm = torch.fx.symbolic_trace(m)
    for size in (128, 200, 72):  # divisible by 32, and not
        x, g = feat(x_spec, size), feat(g_spec, size)
        y = m(x, g)
        assert y.shape == (1, 24, *g.shape[-2:])
        torch.testing.assert_close(gm(x, g), y)


@pytest.mark.parametrize("name, role, specs", [("flow_align", "upsampler", (FS(32, 32), FS(16, 8))),
                                               ("carafe", "upsampler", (FS(32, 32), FS(16, 8))),
                                               ("space_to_depth", "downsampler", (FS(3, 1),))])
def test_blocks_export(name, role, specs):
    m = get(role, name)(*specs).eval()
    xs = tuple(feat(s, 200) for s in specs)
    torch.testing.assert_close(torch.export.export(m, xs).module()(*xs), m(*xs))
