"""What is on disk: Wan2GP's resolution rules, per-model file plans, folder listings and file checks."""
