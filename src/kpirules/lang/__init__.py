"""The rule language: grammar, parser, tree builder, checker and unparser."""
