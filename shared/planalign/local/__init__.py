"""The local stack: the system of template.yaml on one machine, no Docker (moto server, in-process
Lambda runner, local HTTP + WebSocket gateway)."""
