"""Official checkpoints: the authors' released weights loaded into arena's published variants.

`keys.py` maps official names onto arena's (each family module holds its tables; `tables.py` gathers
them), `load.py`
reads, checks and loads them, and converts them into arena checkpoints.
"""
from arena.official.keys import KeyMap, KeyTable, OfficialCheckpointError, map_keys
from arena.official.load import convert, load_official, unwrap
from arena.official.tables import key_table

__all__ = ["KeyMap", "KeyTable", "OfficialCheckpointError", "convert", "load_official", "key_table", "map_keys", "unwrap"]
