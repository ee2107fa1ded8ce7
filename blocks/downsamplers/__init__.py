"""Registered downsampler blocks: one family per module; adding one is a file plus one import line here."""
from blocks.downsamplers import ltd  # noqa: F401
from blocks.downsamplers import stems  # noqa: F401
from blocks.downsamplers import cfgb  # noqa: F401
from blocks.downsamplers import maxpool, strided_conv  # noqa: F401
from blocks.downsamplers import avgpool, space_to_depth  # noqa: F401
from blocks.downsamplers import h2l  # noqa: F401
from blocks.downsamplers import bisenetv2  # noqa: F401
from blocks.downsamplers import overlap_embed  # noqa: F401
