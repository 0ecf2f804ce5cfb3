"""How results look on a terminal, in a pipe, or as JSON."""
