"""Build-time generators: bundles, the SSM document, the conformance pack, templates.

Nothing imports this package at run time.
"""
