"""OpenLab team formation: the problem, its checks, the exact and greedy solvers."""
