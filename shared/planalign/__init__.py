"""PlanAlign Serverless: workforce and DC plan simulation runs on AWS and on a local stack."""

__version__ = "0.1.0"
