"""Evaluation: conditions compiled to closures, rules and tasks judged period by period."""
