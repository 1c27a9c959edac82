"""mlsysim: analytical models of ML systems."""
