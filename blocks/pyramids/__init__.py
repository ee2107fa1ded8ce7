"""Registered pyramid blocks: one family per module; adding one is a file plus one import line here."""
from blocks.pyramids import ppm  # noqa: F401
from blocks.pyramids import fab  # noqa: F401
from blocks.pyramids import identity  # noqa: F401
from blocks.pyramids import gap_context  # noqa: F401
from blocks.pyramids import dappm, pappm  # noqa: F401
from blocks.pyramids import gap  # noqa: F401
from blocks.pyramids import sppm  # noqa: F401
