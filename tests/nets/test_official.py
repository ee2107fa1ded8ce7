"""Official checkpoints (arena/official/): the key tables against the recorded official state dicts.

tests/nets/official_keys/<variant>.txt are facts recorded from the official models (every key of
their state dict, in order, with its shape). The tests check that each family's table maps every
one of them, except the documented skips, onto an arena tensor of the same shape, covering
arena's state dict exactly once; that the orders agree (the module-order principle) but for the
listed exceptions; that a checkpoint made of our own weights under the official names loads back
to the same outputs; and that every bad input ends in one clear error, with nothing written.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

import arena
from arena.errors import ArenaError
from arena.networks import FAMILIES, VARIANTS
from arena.official import OfficialCheckpointError, convert, key_table, load_official, map_keys
from arena.official.tables import key_tables

KEYS = Path(__file__).parent / "official_keys"
# Every published variant with official code: its key list is recorded (CamVid variants share their table).
RECORDED = tuple(name for name, v in VARIANTS.items() if v.key_table and v.params is not None)
# Keys an official release holds beyond the recorded model state dict (the key lists' headers): HRNet-style
# FullModel checkpoints add the loss's class weights (specs/ddrnet.md §4, specs/pidnet.md §4).
CHECKPOINT_EXTRAS = {"ddrnet": ("loss.criterion.weight",), "pidnet": ("sem_loss.criterion.weight",)}



def not_in_official(variant: str, keys) -> list[str]:
    """Arena tensors the official state dict does not hold (the key table's `arena_only`, with reasons)."""
    return [k for k in keys if any(re.fullmatch(p, k) for p, _ in key_table(variant).arena_only)]


def recorded(variant: str) -> list[tuple[str, tuple[int, ...]]]:
    """(key, shape) of the official state dict, in its order."""
    out = []
    for line in (KEYS / f"{variant}.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, shape = line.split(" ", 1)
            out.append((key, tuple(int(d) for d in re.findall(r"\d+", shape))))
    return out


def meta_net(variant: str):
    with torch.device("meta"):
        return arena.build(variant)


# -- the tables ---------------------------------------------------------------------------------

@pytest.mark.parametrize("variant", RECORDED)
def test_table_maps_every_official_key_onto_one_arena_key_of_its_shape(variant):
    keys = recorded(variant)
    ours = {k: tuple(t.shape) for k, t in meta_net(variant).state_dict().items()}
    km = map_keys(key_table(variant), [k for k, _ in keys])
    assert km.unmatched == []
    assert set(km.mapped) | set(km.skipped) == {k for k, _ in keys}
    wrong = [(k, shape, ours.get(km.mapped[k])) for k, shape in keys
             if k in km.mapped and ours.get(km.mapped[k]) != shape]
    assert wrong == []
    targets = list(km.mapped.values())
    extra = not_in_official(variant, ours)
    for pattern, why in key_table(variant).arena_only:  # every arena-only rule is real and says why
        assert any(re.fullmatch(pattern, k) for k in extra) and len(why) > 20, pattern
    assert sorted(targets) == sorted(set(ours) - set(extra))  # a bijection: every arena tensor exactly once


def test_every_skip_is_used_and_says_why():
    for name, fam in key_tables().items():
        variants = [v for v in RECORDED if VARIANTS[v].key_table == name]
        keys = {k for v in variants for k, _ in recorded(v)} | set(CHECKPOINT_EXTRAS.get(name, ()))
        for pattern, reason in fam.skips:
            assert any(re.fullmatch(pattern, k) for k in keys), (name, pattern)
            assert len(reason) > 20, (name, pattern)


def test_skip_counts():
    """FANet's two unused layers (149,824 parameters); S2-FPN's unused tensors (30.5 M - 17.9 M)."""
    for variant, n, params in (("fanet18", 12, 149_824), ("s2fpn18", 141, 30_515_570 - 17_888_580)):
        keys = recorded(variant)
        km = map_keys(key_table(variant), [k for k, _ in keys])
        assert len(km.skipped) == n
        skipped = [s for k, s in keys if k in km.skipped and not k.endswith(("running_mean", "running_var",
                                                                               "num_batches_tracked"))]
        assert sum(torch.Size(s).numel() for s in skipped) == params


def _feeds(net, node: str) -> tuple[str, ...]:
    return net.node(node).inputs


def test_equal_shaped_tensors_map_by_meaning():
    """Where two official tensors have the same shape, the table must follow the official code's
    meaning, not the order: each pin below was read in the official forward."""
    fanet = meta_net("fanet18")
    m = map_keys(key_table("fanet18"), ["clslayer_32.conv.conv.weight", "clslayer_16.conv.conv.weight",
                             "ffm_32.w_qs.conv.weight", "ffm_32.w_ks.conv.weight"]).mapped
    assert m["clslayer_32.conv.conv.weight"].startswith("nodes.aux1.") and _feeds(fanet, "aux1") == ("s4",)
    assert m["clslayer_16.conv.conv.weight"].startswith("nodes.aux2.") and _feeds(fanet, "aux2") == ("s3",)
    assert m["ffm_32.w_qs.conv.weight"] == "nodes.a4.q.0.weight"  # query and key: equal shapes
    assert m["ffm_32.w_ks.conv.weight"] == "nodes.a4.k.0.weight"

    s2 = meta_net("s2fpn18")
    m = map_keys(key_table("s2fpn18"), ["apf1.sa.bn_sh1.weight", "apf1.sa.bn_sh2.weight", "gfu4.conv1.conv.weight",
                             "apf1.conv_high.conv.weight", "apf1.conv_low.conv.weight"]).mapped
    assert m["apf1.sa.bn_sh1.weight"] == "nodes.m5.spatial.bn_max.weight"  # the max-pooled strip's BN
    assert m["apf1.sa.bn_sh2.weight"] == "nodes.m5.spatial.bn_avg.weight"
    assert m["gfu4.conv1.conv.weight"] == "nodes.g5.guide.0.weight" and _feeds(s2, "g5") == ("fab", "p5")
    assert m["apf1.conv_high.conv.weight"] == "nodes.m5.conv_high.0.weight"  # on the upsampled top
    assert m["apf1.conv_low.conv.weight"] == "nodes.m5.conv_low.0.weight"  # on the lateral

    sg = meta_net("sgcpnet")
    m = map_keys(key_table("sgcpnet"), ["sgcp.td_bu.unit.0.p5_down_channel.0.conv.weight",
                             "sgcp.td_bu.unit.0.p5_to_p6.0.conv.weight",
                             "sgcp.td_bu.unit.0.p5_down_channel_2.0.conv.weight",
                             "sgcp.td_bu.unit.0.p4_w2", "sgcp.td_bu.unit.0.p4_w1", "sgcp.td.p4_w1"]).mapped
    assert m["sgcp.td_bu.unit.0.p5_down_channel.0.conv.weight"] == "nodes.p5_in.body.0.weight"
    assert _feeds(sg, "p5_td") == ("u6", "p5_in")
    assert m["sgcp.td_bu.unit.0.p5_to_p6.0.conv.weight"] == "nodes.p6_lat.body.0.weight"
    assert _feeds(sg, "p6_in") == ("p6_lat",)
    assert m["sgcp.td_bu.unit.0.p5_down_channel_2.0.conv.weight"] == "nodes.p5_in2.body.0.weight"
    assert _feeds(sg, "p5_out") == ("d4", "p5_in2", "p5_td")
    assert m["sgcp.td_bu.unit.0.p4_w2"] == "nodes.p4_out.weight"  # the bottom-up P4 node (3 inputs)
    assert (m["sgcp.td_bu.unit.0.p4_w1"], m["sgcp.td.p4_w1"]) == ("nodes.p4_td.weight", "nodes.q4.weight")

    for variant in ("gain18", "gain_df2"):
        g = meta_net(variant)
        m = map_keys(key_table(variant), ["seg_head.cross_layer_attentions.0.conv1.weight",
                               "seg_head.cross_layer_attentions.1.conv1.weight",
                               "seg_head.cross_layer_attentions.0.conv2.weight", "dsn.0.layers.0.weight",
                               "dsn.1.layers.0.weight"]).mapped
        assert m["seg_head.cross_layer_attentions.0.conv1.weight"] == "nodes.g4.guide_conv.weight"
        assert _feeds(g, "g4") == ("p4", "p3") and _feeds(g, "g5") == ("ctx", "p3")
        assert m["seg_head.cross_layer_attentions.1.conv1.weight"] == "nodes.g5.guide_conv.weight"
        assert m["seg_head.cross_layer_attentions.0.conv2.weight"] == "nodes.g4.value_init.weight"
        assert m["dsn.0.layers.0.weight"].startswith("nodes.aux1.") and _feeds(g, "aux1") == ("g4",)
        assert m["dsn.1.layers.0.weight"].startswith("nodes.aux2.") and _feeds(g, "aux2") == ("g5",)


# -- the module-order principle ------------------------------------------------------------------

# Official modules whose place in the state dict differs from arena's are the key table's `reordered`,
# each with the reason read in the official code. Blocks create their modules in the official __init__
# order, and the network files declare each node where the official code creates it, as far as a node
# must follow its inputs; what remains is listed there.


@pytest.mark.parametrize("variant", RECORDED)
def test_official_order_zips_with_arena_order(variant):
    keys = recorded(variant)
    km = map_keys(key_table(variant), [k for k, _ in keys])
    moved = [pattern for pattern, _ in key_table(variant).reordered]
    kept = [(k, s) for k, s in keys if k in km.mapped and not any(re.fullmatch(p, k) for p in moved)]
    dropped = {km.mapped[k] for k, _ in keys if k in km.mapped and any(re.fullmatch(p, k) for p in moved)}
    state = meta_net(variant).state_dict()
    extra = set(not_in_official(variant, state))
    ours = [(k, tuple(t.shape)) for k, t in state.items() if k not in dropped and k not in extra]
    assert len(kept) == len(ours)
    assert [s for _, s in kept] == [s for _, s in ours]  # zipped in order: equal shapes
    assert [km.mapped[k] for k, _ in kept] == [k for k, _ in ours]  # and the table agrees with the order
    for pattern in moved:  # every exception is real
        assert any(re.fullmatch(pattern, k) for k, _ in keys), pattern


# -- round trip: our weights under the official names load back to the same outputs ---------------

def randomised(variant: str):
    torch.manual_seed(0)
    net = arena.build(variant).eval()
    with torch.no_grad():
        for mod in net.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.3, 0.3)
                mod.running_var.uniform_(0.5, 2.0)
                mod.num_batches_tracked.fill_(7)
        for p in net.parameters():
            if p.dim() <= 1:  # BN affine, biases, SSAM/GAI gammas, fusion weights: distinct, nonzero
                p.uniform_(0.2, 1.2)
    return net


def as_official(net, variant: str) -> dict[str, torch.Tensor]:
    """The official state dict of `net`'s weights (skipped tensors random, at their recorded shapes)."""
    keys = recorded(variant)
    km = map_keys(key_table(variant), [k for k, _ in keys])
    ours = net.state_dict()
    out = {k: ours[km.mapped[k]].clone() if k in km.mapped else
           (torch.tensor(3) if k.endswith("num_batches_tracked") else torch.randn(shape)) for k, shape in keys}
    return out | {k: out[original].clone() for k, original in km.aliases.items()}  # a shared module's copies


def _round_trip(variant: str):
    net = randomised(variant)
    fresh = arena.build(variant).eval()
    report = load_official(fresh, as_official(net, variant))
    x = torch.randn(1, 3, 64, 128)
    with torch.no_grad():
        assert torch.equal(fresh(x), net(x))
    return report


# The quick tier checks each family's representative; its other variants share the representative's
# rules (deeper or wider nets), so they run in the slow tier.
DEEPER = tuple(v for v in RECORDED if v not in {f.representative for f in FAMILIES.values()})


@pytest.mark.parametrize("variant", [v if v not in DEEPER else pytest.param(v, marks=pytest.mark.slow)
                                     for v in RECORDED])
def test_round_trip(variant):
    report = _round_trip(variant)
    extra = not_in_official(variant, arena.build(variant).state_dict())
    assert report["loaded"] == len(arena.build(variant).state_dict()) - len(extra)
    # what the official file lacks stays as built: step counters (kept) and training-only tensors (left)
    assert report["counters_kept"] + len(report["left_as_built"]) == len(extra)
    assert set(report["left_as_built"]) <= set(not_in_official(variant, arena.build(variant).state_dict()))
    assert report["skipped"] == map_keys(key_table(variant), [k for k, _ in recorded(variant)]).skipped


def test_wrappers_and_prefix(tmp_path):
    net = randomised("sgcpnet")
    official = as_official(net, "sgcpnet")
    x = torch.randn(1, 3, 64, 128)
    with torch.no_grad():
        want = net(x)
    wrappers = {("state_dict",): {"state_dict": official, "epoch": 3}, ("model",): {"model": official},
                ("state_dict", "module."): {"state_dict": {f"module.{k}": v for k, v in official.items()}}}
    for unwrapped, source in wrappers.items():
        fresh = arena.build("sgcpnet").eval()
        assert load_official(fresh, source)["unwrapped"] == list(unwrapped)
        with torch.no_grad():
            assert torch.equal(fresh(x), want)
    path = tmp_path / "sgcp.pth"
    torch.save({"model": official}, path)
    report = load_official("sgcpnet", path)  # a variant name: built here
    assert report["source"] == str(path) and report["variant"] == "sgcpnet"


# -- bad inputs: one line each, nothing loaded or written ----------------------------------------

def one_line(excinfo) -> str:
    msg = str(excinfo.value)
    assert "\n" not in msg and isinstance(excinfo.value, ArenaError)
    return msg


def test_missing_file_and_not_a_checkpoint(tmp_path):
    with pytest.raises(OfficialCheckpointError) as e:
        load_official("sgcpnet", tmp_path / "nope.pth")
    assert "nope.pth" in one_line(e)
    text = tmp_path / "notes.txt"
    text.write_text("these are not weights\n")
    with pytest.raises(OfficialCheckpointError) as e:
        load_official("sgcpnet", text)
    assert "notes.txt is not a PyTorch checkpoint" in one_line(e)
    torch.save({"epoch": 3, "lr": 0.1}, tmp_path / "meta.pth")
    with pytest.raises(OfficialCheckpointError) as e:
        load_official("sgcpnet", tmp_path / "meta.pth")
    assert "not tensors" in one_line(e)
    torch.save([torch.zeros(1)], tmp_path / "list.pth")
    with pytest.raises(OfficialCheckpointError) as e:
        load_official("sgcpnet", tmp_path / "list.pth")
    assert "not a checkpoint" in one_line(e)


def test_checkpoint_of_another_variant():
    with torch.device("meta"):
        fanet = {k: torch.empty(s) for k, s in recorded("fanet18")}
    net = arena.build("s2fpn18")
    before = {k: v.clone() for k, v in net.state_dict().items()}
    with pytest.raises(OfficialCheckpointError) as e:
        load_official(net, fanet)
    msg = one_line(e)
    assert "does not fit s2fpn18" in msg and "keys unmatched (resnet.conv1.weight, resnet.bn1.weight" in msg
    assert msg.endswith("is it a checkpoint of another variant?")
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())  # nothing loaded


def test_one_wrong_shape_and_one_missing_tensor():
    official = as_official(arena.build("sgcpnet"), "sgcpnet")
    official["classifier.weight"] = torch.zeros(11, 64, 1, 1)
    with pytest.raises(OfficialCheckpointError) as e:
        load_official("sgcpnet", official)
    assert "1 shapes differ (classifier.weight (11, 64, 1, 1) vs (19, 64, 1, 1))" in one_line(e)
    assert "unmatched" not in str(e.value)
    del official["classifier.weight"]
    with pytest.raises(OfficialCheckpointError) as e:
        load_official("sgcpnet", official)
    assert "1 of its tensors missing (nodes.logits.body.1.weight)" in one_line(e)


def test_checkpoints_without_bn_step_counters_load():
    """PyTorch < 0.4.1 saved no num_batches_tracked; eval outputs never read it."""
    net = randomised("sgcpnet")
    official = {k: v for k, v in as_official(net, "sgcpnet").items() if not k.endswith("num_batches_tracked")}
    fresh = arena.build("sgcpnet").eval()
    report = load_official(fresh, official)
    assert report["counters_kept"] == sum(k.endswith("num_batches_tracked") for k in fresh.state_dict())
    x = torch.randn(1, 3, 64, 128)
    with torch.no_grad():
        assert torch.equal(fresh(x), net(x))


@pytest.mark.parametrize("variant", ["fanet18", "s2fpn18", "gain18", "ddrnet23_slim", "pidnet_s", "bisenetv2"])
def test_inference_only_checkpoints_load_and_name_what_was_left(variant):
    """Authors often release weights without auxiliary heads: those (and nodes that feed only them,
    FANet's S4 smooth conv) stay as built; the eval output is the official one all the same."""
    net = randomised(variant)
    training_only = {n.name for n in net.plan} - {n.name for n in net.inference_plan}
    km = map_keys(key_table(variant), [k for k, _ in recorded(variant)])
    full = as_official(net, variant)
    official = {k: v for k, v in full.items() if k not in km.mapped or km.mapped[k].split(".")[1] not in training_only}
    fresh = arena.build(variant).eval()
    report = load_official(fresh, official)
    dropped = {km.mapped[k] for k in full if k in km.mapped and k not in official}
    assert dropped and set(report["left_as_built"]) == dropped
    x = torch.randn(1, 3, 64, 128)
    with torch.no_grad():
        assert torch.equal(fresh(x), net(x))


@pytest.mark.parametrize("variant", ["ddrnet23_slim", "pidnet_s"])
def test_hrnet_full_model_checkpoints_load(variant):
    """DDRNet's and PIDNet's releases are HRNet FullModel state dicts: `model.` before every key, plus the
    loss's class weights, which are skipped with their reason."""
    net = randomised(variant)
    extra = CHECKPOINT_EXTRAS[VARIANTS[variant].key_table][0]
    source = {f"model.{k}": v for k, v in as_official(net, variant).items()} | {extra: torch.rand(19)}
    fresh = arena.build(variant).eval()
    report = load_official(fresh, source)
    assert list(report["skipped"]) == [extra] and "class weights" in report["skipped"][extra]
    x = torch.randn(1, 3, 64, 96)
    with torch.no_grad():
        assert torch.equal(fresh(x), net(x))


def test_hybrids_and_fast_scnn_are_refused():
    with pytest.raises(OfficialCheckpointError) as e:
        load_official("sgcpnet[upsampler=bilinear]", {})
    assert "hybrid" in one_line(e)
    with pytest.raises(OfficialCheckpointError) as e:
        key_table("fast_scnn")
    assert "no official code" in one_line(e)


def test_convert_writes_a_loadable_arena_checkpoint(tmp_path):
    net = randomised("sgcpnet")
    src = tmp_path / "official.pth"
    torch.save({"state_dict": as_official(net, "sgcpnet")}, src)
    out = tmp_path / "arena.pth"
    report = convert("sgcpnet", src, out)
    assert report["out"] == str(out) and sorted(p.name for p in tmp_path.iterdir()) == ["arena.pth", "official.pth"]
    saved = torch.load(out, weights_only=True)
    assert saved["arena_spec"] == "sgcpnet" and saved["official_source"] == str(src)
    again = arena.build("sgcpnet").eval()
    again.load_state_dict(saved["state_dict"])
    x = torch.randn(1, 3, 64, 128)
    with torch.no_grad():
        assert torch.equal(again(x), net(x))


def test_convert_writes_nothing_on_error(tmp_path):
    out = tmp_path / "arena.pth"
    bad = tmp_path / "bad.pth"
    bad.write_text("not a checkpoint")
    with pytest.raises(OfficialCheckpointError):
        convert("sgcpnet", bad, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.pth"]
    out.write_bytes(b"an older file")
    official = as_official(arena.build("sgcpnet"), "sgcpnet")
    official["classifier.weight"] = torch.zeros(11, 64, 1, 1)  # a CamVid checkpoint
    wrong = tmp_path / "camvid.pth"
    torch.save(official, wrong)
    with pytest.raises(OfficialCheckpointError):
        convert("sgcpnet", wrong, out)
    assert out.read_bytes() == b"an older file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["arena.pth", "bad.pth", "camvid.pth"]
    with pytest.raises(OfficialCheckpointError) as e:
        convert("sgcpnet", wrong, tmp_path / "no_such_dir" / "x.pth")
    assert "no_such_dir" in one_line(e)
