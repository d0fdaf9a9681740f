"""The Discord adapter: discord.py client wiring, commands, translate and render."""
