"""Official checkpoints: the authors' released weights loaded into arena's published variants.

`keys.py` maps official names onto arena's (one table per family under `tables/`), `load.py`
reads, checks and loads them, and converts them into arena checkpoints.
"""
from arena.official.keys import KeyMap, KeyTable, OfficialCheckpointError, map_keys
from arena.official.load import convert, load_official, unwrap
from arena.official.tables import table

__all__ = ["KeyMap", "KeyTable", "OfficialCheckpointError", "convert", "load_official", "map_keys", "table", "unwrap"]
