"""Registered backbone blocks: one family per module; adding one is a file plus one import line here."""
from blocks.backbones import bottlenecks  # noqa: F401
from blocks.backbones import resnet  # noqa: F401
from blocks.backbones import mobilenetv3  # noqa: F401
from blocks.backbones import dfnet  # noqa: F401
from blocks.backbones import residual_stages  # noqa: F401
from blocks.backbones import ge, stdc  # noqa: F401
from blocks.backbones import mit  # noqa: F401
from blocks.backbones import cfblock  # noqa: F401
from blocks.backbones import rtformer  # noqa: F401
from blocks.backbones import tpm  # noqa: F401
from blocks.backbones import sea_layers  # noqa: F401
