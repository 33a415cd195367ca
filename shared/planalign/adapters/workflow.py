"""The run state machine: start an execution named after the run, stop it on cancel."""

import json
from typing import Any

from planalign.adapters.clients import aws_client
from planalign.settings import get_settings


def execution_arn(state_machine_arn: str, name: str) -> str:
    return state_machine_arn.replace(":stateMachine:", ":execution:") + f":{name}"


class Workflow:
    def __init__(self, state_machine_arn: str | None = None) -> None:
        self._arn = state_machine_arn

    @property
    def arn(self) -> str:
        return self._arn or get_settings().state_machine_arn

    def start(self, name: str, payload: dict[str, Any]) -> str:
        """Start an execution; a second start under the same name is refused by Step Functions."""
        response = aws_client("stepfunctions").start_execution(
            stateMachineArn=self.arn, name=name, input=json.dumps(payload)
        )
        arn: str = response["executionArn"]
        return arn

    def stop(self, name: str, cause: str) -> None:
        from botocore.exceptions import ClientError

        try:
            aws_client("stepfunctions").stop_execution(
                executionArn=execution_arn(self.arn, name), error="Cancelled", cause=cause
            )
        except ClientError as error:
            # An execution that already ended (or never started) has nothing to stop.
            if error.response.get("Error", {}).get("Code") not in (
                "ExecutionDoesNotExist",
                "ValidationException",
            ):
                raise

    def reachable(self) -> bool:
        aws_client("stepfunctions").describe_state_machine(stateMachineArn=self.arn)
        return True
