"""Processing and training backends: where heavy steps can be handed off to."""
