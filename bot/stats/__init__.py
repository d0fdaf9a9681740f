"""Stats, streaks, leaderboards and charts."""
