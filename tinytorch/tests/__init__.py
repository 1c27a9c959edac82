"""Tests of the tinytorch distribution (framework and tito).

This file makes pytest name these modules ``tests.*``: without it, pytest's importlib mode names
them ``tinytorch.tests.*`` and registers the folder tinytorch/ as a namespace package called
``tinytorch``, which hides the real package from every test.
"""
