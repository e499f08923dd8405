"""Re-implemented baseline methods (models, losses, official-checkpoint converters, Animator adapters)."""
