"""GraphNet: eval/train outputs, auxiliary heads with their weights, fx tracing, export, liveness."""
import pytest
import torch

import arena

X = (1, 3, 64, 128)


@pytest.fixture(scope="module")
def net():
    return arena.build("fast_scnn")


def test_eval_returns_logits_at_input_size(net):
    with torch.no_grad():
        y = net.eval()(torch.randn(*X))
    assert y.shape == (1, 19, 64, 128)


def test_train_returns_aux_heads_with_weights(net):
    out = net.train()(torch.randn(2, 3, 64, 128))
    assert out["out"].shape == (2, 19, 64, 128)
    assert [w for _, w in out["aux"]] == [0.4, 0.4]
    assert all(a.shape == (2, 19, 64, 128) for a, _ in out["aux"])
    net.eval()


def test_inference_params_exclude_aux(net):
    counts = net.param_counts()
    aux = sum(counts["per_node"][n.name] for n in net.plan if n.aux is not None)
    assert counts["total"] - counts["inference"] == aux > 0
    assert sum(counts["per_node"].values()) == counts["total"]


def test_fx_trace_matches_eager(net):
    net.eval()
    traced = torch.fx.symbolic_trace(net)
    x = torch.randn(*X)
    with torch.no_grad():
        assert torch.allclose(traced(x), net(x), atol=1e-5)


def test_torch_export(net):
    net.eval()
    x = torch.randn(*X)
    program = torch.export.export(net, (x,))
    with torch.no_grad():
        assert torch.allclose(program.module()(x), net(x), atol=1e-5)


def test_liveness_frees_every_dead_value(net):
    for steps in (net._train_steps, net._eval_steps):
        freed = [name for _, dead in steps for name in dead]
        used = {i for n, _ in steps for i in n.inputs}
        assert sorted(freed) == sorted(used - {net.output})  # each value freed exactly once


def test_eval_skips_nodes_that_only_feed_aux_heads():
    """FANet's S4 smooth conv feeds only an auxiliary head: computed in training, skipped in eval."""
    fanet = arena.build("fanet18")
    assert "s4" not in [n.name for n in fanet.inference_plan]
    assert all(n.aux is None for n in fanet.inference_plan)
    calls = []
    hook = fanet.nodes["s4"].register_forward_hook(lambda *a: calls.append(1))
    with torch.no_grad():
        fanet.eval()(torch.randn(1, 3, 64, 128))
        assert not calls
        fanet.train()(torch.randn(2, 3, 64, 128))
        assert calls
    hook.remove()
    counts = fanet.param_counts()
    assert counts["training_only"] == counts["per_node"]["s4"] > 0


def test_output_stride(net):
    assert net.output_stride == 32
