"""Registered attention blocks: one family per module; adding one is a file plus one import line here."""
from blocks.attention import crb, ssam  # noqa: F401
from blocks.attention import fast, self_attention  # noqa: F401
from blocks.attention import identity, se  # noqa: F401
from blocks.attention import arm  # noqa: F401
from blocks.attention import eca, coord, cbam, cca, pam, cam, gc  # noqa: F401
from blocks.attention import efficient_sa, sea, token_mhsa, aff, external, sct  # noqa: F401
