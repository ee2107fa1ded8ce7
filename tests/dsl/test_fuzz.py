"""Property: the parser raises only DSLError, whatever text it is fed (random or mutated files)."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arena.api import nets_dir
from arena.dsl import DSLError, parse_source, parse_spec

SOURCES = [p.read_text() for p in sorted(nets_dir().glob("*.arena"))]
FRAGMENTS = ["(", ")", "[", "]", "=", ",", ":", ".", "*", "**", "\n", "    ", "def ", "return ", "image",
             "lambda x: x", "import os", "x + 1", "'''", "#", "\\", "\x00", "é", "upsampler.gai", "aux=",
             "for i in []:", "1e999", "-", "yield", "@d", "async ", "class A:", "if x:", "\t"]


def parses_or_dsl_error(text):
    try:
        parse_source(text, "fuzz.arena")
    except DSLError as e:
        assert str(e).startswith("fuzz.arena") and "\n" not in str(e).strip()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_random_text(text):
    parses_or_dsl_error(text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(src=st.sampled_from(SOURCES), data=st.data())
def test_mutated_network_files(src, data):
    text = src
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(text)))
        op = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        frag = data.draw(st.sampled_from(FRAGMENTS) | st.text(max_size=4))
        j = min(len(text), i + data.draw(st.integers(1, 12)))
        text = {"insert": text[:i] + frag + text[i:], "delete": text[:i] + text[j:],
                "replace": text[:i] + frag + text[j:]}[op]
    parses_or_dsl_error(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcdefgiklnoprstu_.[]=(),0123456789 '\"", max_size=60))
def test_random_spec_strings(text):
    try:
        parse_spec(text)
    except DSLError:
        pass
