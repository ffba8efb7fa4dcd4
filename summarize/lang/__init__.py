"""The language readers: Arabic text and tokens, Arabic and English numbers, figures, sentence vectors."""
