"""Repository mixins, one module per aggregate, composed into ``SqlTx`` (``tx.py``)."""
