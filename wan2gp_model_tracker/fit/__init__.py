"""What a model costs and whether it fits: estimates, hardware and recommendations."""
