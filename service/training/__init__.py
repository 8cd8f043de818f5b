"""What every ``qsdiff train`` task shares: the loop, checkpoint files."""
