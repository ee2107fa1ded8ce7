"""`python -m arena ...` (and `torchrun --nproc-per-node N -m arena train ...`): the arena CLI."""
from arena.cli import main

main()
