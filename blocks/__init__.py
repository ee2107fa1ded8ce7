"""arena's block library: pure torch, never imports `arena`.

Importing this package registers every block (each role package imports its modules).
"""
from blocks.registry import BlockRef, FeatureSpec, Role, get, names, register  # noqa: F401
from blocks import (attention, backbones, downsamplers, fusions, heads, ops, pyramids,  # noqa: F401,E402
                    upsamplers)
