"""AST transforms of the book engine, one feature per module.

Each module works on pandoc's JSON AST (plain dicts and lists) so a feature can be tested
alone on a tiny document. `pandoc_ast` holds the few helpers they share.
"""
