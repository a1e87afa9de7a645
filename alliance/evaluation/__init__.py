"""Evaluation committees: conflicts, assignment, reviews, aggregation, decisions."""
