"""Documentation tables generated from the family modules: README's network table and the summary
tables of docs/networks.md, between marker comments, so the prose around them is never touched.

`python docs/tables.py --write` rewrites the regions; tests/nets/test_docs_tables.py fails when the
committed files differ from what this module generates. Returns text only (the script writes).
"""
from __future__ import annotations

import re
from collections import defaultdict

from arena.networks import FAMILIES, VARIANTS

BEGIN = "<!-- BEGIN generated {name}: python docs/tables.py --write -->"
END = "<!-- END generated {name} -->"


def _files() -> dict[str, str]:
    """Variant -> the file name of its `.arena` network."""
    from arena.api import catalogue

    return {name: path.name for name, path in catalogue().items()}


def readme_networks() -> str:
    """README's "The networks": one row per family, every shipped variant listed."""
    files, by_family = _files(), defaultdict(list)
    for v in VARIANTS.values():
        by_family[v.family].append(v.name)
    rows = ["| variant | network file | documentation |", "|---|---|---|"]
    for fam in FAMILIES.values():
        names = by_family[fam.name]
        netfiles = list(dict.fromkeys(files[n] for n in names))
        paths = ", ".join(f"`blocks/nets/{f}`" for f in netfiles)
        rows.append(f"| {', '.join(f'`{n}`' for n in names)} | {paths} | [{fam.short}]({fam.doc}) ({fam.summary}) |")
    return "\n".join(rows)


def _gmacs(value: float) -> str:
    return format(value, "g")


def cityscapes_summary() -> str:
    """docs/networks.md's table of the variants with official figures (19 classes)."""
    files = _files()
    rows = ["| variant | file | official code | params (official) | params (arena) | GMACs 512×1024 | "
            "GMACs 1024×2048 | note |", "|---|---|---|---|---|---|---|---|"]
    for v in VARIANTS.values():
        if v.params is None:
            continue
        ours = f"**{v.expected_params:,}**" if v.unused_params else f"{v.expected_params:,}"
        rows.append(f"| `{v.name}` | `{files[v.name]}` | {v.source} | {v.params:,} | {ours} | "
                    f"{_gmacs(v.gmacs[0])} | {_gmacs(v.gmacs[1])} | {v.notes} |")
    return "\n".join(rows)


def camvid_summary() -> str:
    """docs/networks.md's table of the variants without official figures (CamVid, 11 classes): arena's
    count of each, built on the meta device (no memory, no weights)."""
    import torch

    import arena

    files = _files()
    rows = ["| variant | file | official figures | arena params |", "|---|---|---|---|"]
    for v in VARIANTS.values():
        if v.params is not None:
            continue
        with torch.device("meta"):
            count = arena.build(v.name).param_counts()["inference"]
        rows.append(f"| `{v.name}` | `{files[v.name]}` | {v.source} | {count:,} |")
    return "\n".join(rows)


REGIONS = {"README.md": {"networks": readme_networks},
           "docs/networks.md": {"cityscapes-variants": cityscapes_summary, "camvid-variants": camvid_summary}}


def replace_region(text: str, name: str, body: str) -> str:
    """`text` with the lines between the markers of region `name` replaced by `body`; the markers must
    be there, once each (a missing marker is a bug in the document, said by name)."""
    begin, end = BEGIN.format(name=name), END.format(name=name)
    pattern = re.compile(re.escape(begin) + r"\n.*?" + re.escape(end), re.S)
    if len(pattern.findall(text)) != 1:
        raise ValueError(f"the document needs exactly one '{begin}' ... '{end}' region")
    return pattern.sub(lambda _: f"{begin}\n{body}\n{end}", text)


def generated(path: str, text: str) -> str:
    """The document at `path` (a key of REGIONS) with every generated region brought up to date."""
    for name, make in REGIONS[path].items():
        text = replace_region(text, name, make())
    return text
