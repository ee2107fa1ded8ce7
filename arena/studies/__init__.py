"""Studies: grids of networks and swaps run as jobs (today: the swap matrix)."""
