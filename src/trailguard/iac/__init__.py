"""Shift left: the core's verdict on trails and event data stores defined in infrastructure code
(CloudFormation and CDK templates, Terraform plans), before they are deployed.

Each reader turns a resource into a :class:`~trailguard.iac.model.Resource` whose selectors have
the ``GetEventSelectors`` shape, with :class:`~trailguard.iac.model.Unknown` where a value is not
known before deploy; :mod:`trailguard.iac.judge` gives the findings, with the core's verdict
unchanged. Standard library only: the CloudFormation reader that needs cfn-lint lives in
:mod:`trailguard.cfnlint`.
"""

from __future__ import annotations
