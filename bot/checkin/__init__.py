"""The daily check-in conversation: states, answer parsing and confirmations."""
