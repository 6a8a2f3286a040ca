"""Independent numpy formulations of the engine's numerics, rules and kernels.

The engine writes each behaviour rule once, as a compiled scalar (``sim/behaviour``), and loops
over customers in compiled kernels (``sim/kernels``). The functions here state the same things
again, vectorised in numpy, as the engine did before its rules were compiled; the tests check
the compiled code against them bit for bit. They are never imported by the package.
"""
