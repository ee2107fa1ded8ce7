"""Registered upsampler blocks: one family per module; adding one is a file plus one import line here."""
from blocks.upsamplers import interpolate  # noqa: F401
from blocks.upsamplers import gai  # noqa: F401
from blocks.upsamplers import carafe, deconv, flow_align, pixel_shuffle  # noqa: F401
