"""One numba-free spec per benchmark family: its options, defaults, checks and case names."""
