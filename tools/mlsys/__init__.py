"""mlsys: the curriculum CLI and Quarto book renderer."""
