"""Adapters: DynamoDB store, S3 artifacts, Step Functions workflow, WebSocket push. No HTTP here."""
