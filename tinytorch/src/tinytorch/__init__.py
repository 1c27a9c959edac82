"""TinyTorch: a build-your-own deep-learning framework."""
