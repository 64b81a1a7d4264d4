"""The ground floor of text tools every stage shares: numbers (read and written)."""
