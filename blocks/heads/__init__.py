"""Registered head blocks: one family per module; adding one is a file plus one import line here."""
from blocks.heads import dsconv, fcn  # noqa: F401
from blocks.heads import s2fpn  # noqa: F401
from blocks.heads import boundary  # noqa: F401
from blocks.heads import booster, detail  # noqa: F401
from blocks.heads import cls  # noqa: F401
from blocks.heads import light  # noqa: F401
