"""tito: the TinyTorch student CLI."""
