"""Batch translation of folders (`mtbrief translate DIR -o OUTDIR`): resumable, threaded, or on Ray.
Imports the rest of mt (Translator, textio); mt.cli calls mt.batch.runner.run_batch.
"""
