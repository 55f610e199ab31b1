"""webread."""
