"""The logic layer: what each route, trigger and stage does, in terms of the domain and the adapters."""
