"""One module per theorem of docs/theory.md; :mod:`proofs.catalogue` collects their ``THEOREM`` objects.

What a claim module must provide is written in the docstring of
:mod:`proofs.catalogue`. :mod:`proofs.claims.common` holds the assumption
texts and proof helpers the modules share.
"""
