"""The input of multiple systems estimation: capture histories (who is on which list)."""
