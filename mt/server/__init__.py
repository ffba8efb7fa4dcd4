"""The HTTP API library: a LibreTranslate-compatible FastAPI app around one shared Translator, limits, schemas.
Imports the rest of mt only; ui.py (the web app and `mtbrief serve`) mounts it.
"""
