"""Survey-weighted prevalence with design-based inference (planned: issue #4)."""
