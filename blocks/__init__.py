"""arena's block library: pure torch, never imports `arena`.

Importing this package is light (no torch): the registry loads the role packages, and with them
torch and every block, the first time it is asked for a block (`registry.info`, `names`, ...).
"""
from blocks.registry import BlockRef, FeatureSpec, Role, get, names, register  # noqa: F401

ROLE_PACKAGES = ("attention", "backbones", "downsamplers", "fusions", "heads", "ops", "pyramids", "upsamplers")
