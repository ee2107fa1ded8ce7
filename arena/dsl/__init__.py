"""The network DSL: restricted Python parsed with `ast` (never executed), swaps and canonical names."""
from arena.dsl.errors import DSLError, NotApplicable  # noqa: F401
from arena.dsl.spec import format_spec, parse_spec  # noqa: F401
from arena.dsl.syntax import parse_file, parse_source  # noqa: F401
