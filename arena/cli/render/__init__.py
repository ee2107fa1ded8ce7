"""Rich tables and trees from the library's plain data: the only place arena draws the screen.

One module per group of commands; this package gathers them so that every command calls
`render.<what>` whatever module draws it.
"""
from arena.cli.render.common import console, job_progress, print_json, progress  # noqa: F401
from arena.cli.render.nets import blocks_table, nets_table, block_tree, network_tree, swaps_table, verify_table  # noqa: F401
from arena.cli.render.measure import profile_tables, bench_tables, nodes_table, peaks_table, export_summary  # noqa: F401
from arena.cli.render.results import training_progress, train_summary, front_table, report_table, demo_report  # noqa: F401
from arena.cli.render.studies import duration, study_plan, study_progress, study_summary, ablation_tables  # noqa: F401
from arena.cli.render.evaluate import eval_table  # noqa: F401
