"""Kiểm đếm and giao ban: tallies and their trend (tally), briefings and scores (briefings),
the briefing files over HTTP (files)."""
