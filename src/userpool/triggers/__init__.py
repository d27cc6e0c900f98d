"""Runners of Lambda triggers (spec §7.1): implementations of ``model.ports.TriggerInvoker``.

- ``lambda_invoker``: the Lambda Invoke API through boto3 (AWS Lambda, or any compatible
  endpoint: the runtime interface emulator, SAM local, LocalStack);
- ``in_process``: a Python callable named ``module:function``, for development without any
  Lambda service; the event and the answer still cross JSON;
- ``router``: picks one of the two for a function ARN;
- ``invocation``: what every runner shares: the retry rule, the strict reading of an answer,
  the parts of a function ARN.
"""
