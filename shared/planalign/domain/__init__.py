"""The domain: config, census, simulation and results. Pure Python and NumPy: no AWS, no HTTP."""
