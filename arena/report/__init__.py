"""Reports: the papers' own figures, the joined results frame, Pareto fronts and plots, tables.

Pure functions over pandas DataFrames plus thin writers (PNG/PDF/SVG, LaTeX, markdown); nothing
here prints, and the terminal rendering stays in `arena/cli/` (DESIGN.md §1, §8).

- `published`: the figures each paper reports for its own networks, with sources (`published.frame()`).
- `frames`: result rows -> one frame per network and measurement setting (`frames.summary(rows)`).
- `pareto`: `front(df, x, y)`, `select(...)`, `plot(...)`, and `draw(folders, ...)` for all of it.
- `tables`: `table(...)`, `to_latex(...)`, `to_markdown(...)`.
"""
