"""Every class of DSL mistake ends in a DSLError naming the problem at its line:col, with a hint."""
import textwrap

import pytest

import arena
from arena.dsl import DSLError, parse_source
from arena.dsl.errors import NotApplicable

GOOD = '''
def tiny(classes=19):
    x8 = downsampler.ltd(image, factor=8, out=32)
    up = upsampler.bilinear(x8, x8)
    fused = fusion.add(up, x8)
    head.fcn(x8, classes=classes, aux=0.4)
    return head.fcn(fused, classes=classes)
'''


def write(tmp_path, text, name="net.arena"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def build_text(tmp_path, text):
    return arena.build(write(tmp_path, text))


def expect(tmp_path, text, pattern, line, col):
    with pytest.raises(DSLError) as e:
        build_text(tmp_path, text)
    err = e.value
    assert (err.line, err.col) == (line, col), str(err)
    assert err.file == "net.arena"
    import re
    assert re.search(pattern, str(err)), str(err)
    assert f"net.arena:{line}:{col}: " in str(err) and "\n" not in str(err)
    return err


def test_good_file_builds(tmp_path):
    net = build_text(tmp_path, GOOD)
    assert [n.name for n in net.plan] == ["x8", "up", "fused", "aux1", "logits"]
    assert net.canonical.endswith("net.arena:tiny")


def test_unknown_role(tmp_path):
    err = expect(tmp_path, GOOD.replace("upsampler.bilinear", "upsample.bilinear"),
                 r"unknown role 'upsample'", 4, 10)
    assert "upsampler" in err.hint


def test_unknown_block_with_close_matches(tmp_path):
    err = expect(tmp_path, GOOD.replace("upsampler.bilinear", "upsampler.bilinaer"),
                 r"unknown upsampler block 'bilinaer': did you mean bilinear", 4, 10)
    assert "nearest" in str(err)  # the full list for the role


def test_unknown_kwarg(tmp_path):
    expect(tmp_path, GOOD.replace("out=32)", "outt=32)"),
           r"downsampler.ltd has no keyword 'outt'.*did you mean out", 3, 43)


def test_wrong_number_of_inputs(tmp_path):
    expect(tmp_path, GOOD.replace("upsampler.bilinear(x8, x8)", "upsampler.bilinear(x8)"),
           r"upsampler.bilinear takes 2 inputs, got 1", 4, 10)


def test_stride_mismatch_at_fusion(tmp_path):
    text = GOOD.replace("fusion.add(up, x8)", "fusion.add(x32, x8)").replace(
        "    up = ", "    x32 = downsampler.ltd(x8, factor=4, out=32, widths=[32])\n    up = ")
    expect(tmp_path, text, r"stride mismatch at fusion.add: inputs x32@s32, x8@s8", 6, 13)


def test_channel_mismatch_at_add(tmp_path):
    text = GOOD.replace("fusion.add(up, x8)", "fusion.add(up, y8)").replace(
        "    up = ", "    y8 = op.cbr(x8, out=16)\n    up = ")
    expect(tmp_path, text, r"cannot build fusion.add: add inputs have 32, 16 channels", 6, 13)


def test_undefined_name(tmp_path):
    expect(tmp_path, GOOD.replace("fusion.add(up, x8)", "fusion.add(up, x16)"),
           r"undefined name 'x16'", 5, 28)


def test_reassigned_name(tmp_path):
    expect(tmp_path, GOOD.replace("    fused = ", "    up = "), r"'up' is already defined", 5, 5)


def test_missing_return(tmp_path):
    text = GOOD.replace("    return head.fcn(fused, classes=classes)\n", "    out = head.fcn(fused, classes=classes)\n")
    expect(tmp_path, text, r"network 'tiny' has no `return`", 2, 1)


@pytest.mark.parametrize("stmt, pattern, col", [
    ("    for i in [1, 2]: pass", r"`for` statement is not allowed", 5),
    ("    import os", r"`import` statement is not allowed", 5),
    ("    y = x8 + x8", r"a statement that is not a block call is not allowed", 9),
    ("    y = op.cbr(x8, out=2 * 16)", r"expected a constant", 24),
    ("    y = op.cbr(x8.shape)", r"block inputs must be names", 16),
    ("    y = op.cbr(op.cbr(x8))", r"block inputs must be names", 16),
    ("    x8.attr = op.cbr(x8)", r"assignment to anything but a name is not allowed", 5),
    ("    y = op.cbr(x8, **kw)", r"`\*\*kwargs` is not allowed", 22),
])
def test_disallowed_syntax(tmp_path, stmt, pattern, col):
    text = GOOD.replace("    up = ", stmt + "\n    up = ")
    expect(tmp_path, text, pattern, 4, col)


def test_python_syntax_error_has_position(tmp_path):
    expect(tmp_path, GOOD.replace("fusion.add(up, x8)", "fusion.add(up, x8"), r"syntax error", 5, 23)


def test_parameter_without_default(tmp_path):
    expect(tmp_path, GOOD.replace("def tiny(classes=19)", "def tiny(width, classes=19)"),
           r"parameter 'width' needs a default", 2, 10)


def test_bare_call_must_be_head(tmp_path):
    expect(tmp_path, GOOD.replace("    head.fcn(x8, classes=classes, aux=0.4)", "    op.cbr(x8)"),
           r"a bare call must be an auxiliary head", 6, 5)


def test_unknown_variant_parameter(tmp_path):
    text = GOOD + "tiny_wide = tiny(clases=11)\n"
    expect(tmp_path, text, r"tiny has no parameter 'clases'.*did you mean classes", 8, 25)


def test_two_defs(tmp_path):
    expect(tmp_path, GOOD + "\ndef other(a=1):\n    return head.fcn(image)\n", r"one `def`", 9, 1)


def test_variant_and_overrides(tmp_path):
    path = write(tmp_path, GOOD + "tiny_camvid = tiny(classes=11)\n")
    assert arena.build(path + ":tiny_camvid").classes == 11
    assert arena.build(path + "[classes=5]").classes == 5
    with pytest.raises(DSLError, match="defines no network 'nope'.*tiny, tiny_camvid"):
        arena.build(path + ":nope")


def test_missing_file_is_one_line(tmp_path):
    with pytest.raises(DSLError, match="no such network file"):
        arena.build(str(tmp_path / "missing.arena"))


def test_swap_that_matches_nothing_is_not_applicable(tmp_path):
    with pytest.raises(NotApplicable, match="tiny has no attention block"):
        arena.build(write(tmp_path, GOOD) + "[attention=se]")


def test_swap_arity_mismatch_is_not_applicable(tmp_path):
    text = GOOD.replace("fusion.add(up, x8)", "fusion.add(up, x8, x8)")
    with pytest.raises(NotApplicable, match=r"fusion.ffm takes 2 inputs; node 'fused' of tiny has 3"):
        arena.build(write(tmp_path, text) + "[fused=ffm]")


def test_swap_into_another_role_is_refused(tmp_path):
    with pytest.raises(DSLError, match="unknown fusion block 'ppm'"):
        arena.build(write(tmp_path, GOOD) + "[fused=ppm]")


def test_parse_source_reports_string_path():
    with pytest.raises(DSLError) as e:
        parse_source("def f(a=1):\n    return\n", "inline.arena")
    assert str(e.value).startswith("inline.arena:2:5: `return` needs a value")
