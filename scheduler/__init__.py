"""The scheduler: a periodic tick that asks the database what is due and claims each delivery."""
