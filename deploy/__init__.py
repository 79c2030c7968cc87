"""Running the app for others: several replicas behind nginx (``deploy/replicas.py``)."""
