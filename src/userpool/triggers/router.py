"""Which runner invokes a trigger's function: the in-process callable when the function's name
(the ARN's name part, or the whole string when it is not an ARN) is mapped by
``--lambda-function``, else the Lambda Invoke API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from userpool.model.ports import TriggerInvoker
from userpool.triggers.in_process import InProcessInvoker


class TriggerRouter:
    """Implements ``TriggerInvoker`` by handing each call to one of two runners."""

    def __init__(self, in_process: InProcessInvoker, lambda_invoker: TriggerInvoker) -> None:
        self.in_process = in_process
        self.lambda_invoker = lambda_invoker

    def invoke(self, function_arn: str, event: Mapping[str, Any], *, timeout: float) -> dict[str, Any]:
        runner: TriggerInvoker = self.in_process if self.in_process.handles(function_arn) else self.lambda_invoker
        return runner.invoke(function_arn, event, timeout=timeout)

    def invoke_event(self, function_arn: str, event: Mapping[str, Any]) -> None:
        runner: TriggerInvoker = self.in_process if self.in_process.handles(function_arn) else self.lambda_invoker
        runner.invoke_event(function_arn, event)
