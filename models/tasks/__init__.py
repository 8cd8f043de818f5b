"""Task models: one module per task (conformer; molecule and backbone to come)."""
