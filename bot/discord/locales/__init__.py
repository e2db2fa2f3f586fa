"""The Discord front's sentences, one module per language, for translators to work on side by side."""
