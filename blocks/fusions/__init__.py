"""Registered fusion blocks: one family per module; adding one is a file plus one import line here."""
from blocks.fusions import ffm, simple  # noqa: F401
from blocks.fusions import apf, gfu  # noqa: F401
from blocks.fusions import weighted_sum  # noqa: F401
from blocks.fusions import bag, pag  # noqa: F401
from blocks.fusions import bga, bisenet_ffm  # noqa: F401
from blocks.fusions import uafm  # noqa: F401
from blocks.fusions import cra  # noqa: F401
from blocks.fusions import sea, sim  # noqa: F401
