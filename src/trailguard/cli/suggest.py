"""Did-you-mean hints for names AWS does not know: a ``resources.type`` in the input or in
``--resource-types``, ``--partition``, and region names.

Resource types and partitions get warnings, never refusals: CloudTrail adds resource types over
time, and a name not listed here is still checked as given. A region name is refused (before
any call) by the commands, with the hint from :func:`region_hint`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from trailguard.core import SelectorConfig
from trailguard.core.catalog import DATA_EVENT_TYPES

# The AWS partitions (botocore's endpoints.json partitions, 2025).
PARTITIONS = (
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
)

# resources.type values of data events documented in the CloudTrail User Guide ("Logging data
# events"), besides the catalog's own. Not complete: an unlisted type only earns a warning.
DOCUMENTED_TYPES = (
    "AWS::AppConfig::Configuration",
    "AWS::B2BI::Transformer",
    "AWS::Bedrock::AgentAlias",
    "AWS::Bedrock::FlowAlias",
    "AWS::Bedrock::Guardrail",
    "AWS::Bedrock::KnowledgeBase",
    "AWS::Cassandra::Table",
    "AWS::CloudFront::KeyValueStore",
    "AWS::CloudTrail::Channel",
    "AWS::CloudWatch::Metric",
    "AWS::CodeWhisperer::Customization",
    "AWS::CodeWhisperer::Profile",
    "AWS::Cognito::IdentityPool",
    "AWS::DynamoDB::Stream",
    "AWS::EC2::Snapshot",
    "AWS::EMRWAL::Workspace",
    "AWS::FinSpace::Environment",
    "AWS::Glue::Table",
    "AWS::GreengrassV2::ComponentVersion",
    "AWS::GreengrassV2::Deployment",
    "AWS::GuardDuty::Detector",
    "AWS::IoT::Certificate",
    "AWS::IoT::Thing",
    "AWS::IoTSiteWise::Asset",
    "AWS::IoTSiteWise::TimeSeries",
    "AWS::IoTTwinMaker::Entity",
    "AWS::IoTTwinMaker::Workspace",
    "AWS::KendraRanking::ExecutionPlan",
    "AWS::Kinesis::Stream",
    "AWS::Kinesis::StreamConsumer",
    "AWS::KinesisVideo::Stream",
    "AWS::MachineLearning::MlModel",
    "AWS::ManagedBlockchain::Network",
    "AWS::ManagedBlockchain::Node",
    "AWS::MedicalImaging::Datastore",
    "AWS::NeptuneGraph::Graph",
    "AWS::PCAConnectorAD::Connector",
    "AWS::QApps::QApp",
    "AWS::QBusiness::Application",
    "AWS::QBusiness::DataSource",
    "AWS::QBusiness::Index",
    "AWS::QBusiness::WebExperience",
    "AWS::RDS::DBCluster",
    "AWS::S3::AccessPoint",
    "AWS::S3ObjectLambda::AccessPoint",
    "AWS::S3Outposts::Object",
    "AWS::SageMaker::Endpoint",
    "AWS::SageMaker::ExperimentTrialComponent",
    "AWS::SageMaker::FeatureGroup",
    "AWS::SCN::Instance",
    "AWS::ServiceDiscovery::Namespace",
    "AWS::ServiceDiscovery::Service",
    "AWS::SQS::Queue",
    "AWS::SSM::ManagedNode",
    "AWS::SSMMessages::ControlChannel",
    "AWS::StepFunctions::StateMachine",
    "AWS::SWF::Domain",
    "AWS::ThinClient::Device",
    "AWS::ThinClient::Environment",
    "AWS::Timestream::Database",
    "AWS::Timestream::Table",
    "AWS::VerifiedPermissions::PolicyStore",
    "AWS::XRay::Trace",
)


def known_types() -> tuple[str, ...]:
    return (*DATA_EVENT_TYPES, *DOCUMENTED_TYPES)


def _nearest(value: str, known: Iterable[str], cutoff: float) -> str | None:
    close = difflib.get_close_matches(value, list(known), n=1, cutoff=cutoff)
    return close[0] if close else None


def partition_warning(partition: str | None) -> str | None:
    """``--partition: ...`` when ``partition`` is not an AWS partition."""
    if partition is None or partition in PARTITIONS:
        return None
    near = _nearest(partition, PARTITIONS, 0.6)
    hint = f"; did you mean {near}?" if near else f" (known: {', '.join(PARTITIONS)})"
    return f"--partition: {partition!r} is not an AWS partition{hint}"


def type_warning(value: str) -> str | None:
    """``value`` is not a resource type AWS or the catalog knows, but one is close to it (a
    type far from every known one may be newer than this list: no warning)."""
    if value in known_types():
        return None
    near = _nearest(value, known_types(), 0.8)
    if near is None:
        return None
    return f"{value!r} is not a resource type of CloudTrail data events; did you mean {near}?"


def option_type_warnings(types: Iterable[str] | None) -> list[str]:
    found = (type_warning(t) for t in types or ())
    return [f"--resource-types: {text}" for text in found if text]


def input_type_warnings(config: SelectorConfig) -> list[str]:
    """``path: message`` for each unknown ``resources.type`` value of the advanced selectors."""
    found = []
    for index, selector in enumerate(config.advanced):
        label = f"AdvancedEventSelectors[{index}]" + (
            f" {selector.name!r}" if selector.name else ""
        )
        for position, condition in enumerate(selector.field_selectors):
            if condition.field != "resources.type":
                continue
            for operator, values in (("Equals", condition.equals),
                                     ("NotEquals", condition.not_equals)):  # fmt: skip
                for number, value in enumerate(values):
                    text = type_warning(value)
                    if text:
                        where = f"{label}.FieldSelectors[{position}] (resources.type)"
                        found.append(f"{where}.{operator}[{number}]: {text}")
    return found


def region_hint(name: str, regions: Iterable[str]) -> str:
    """``; did you mean us-east-1?`` for a name close to a region (case aside), else what a
    region looks like."""
    near = _nearest(name.lower(), regions, 0.6)
    return f"; did you mean {near}?" if near else " (a region looks like us-east-1)"


def choice_hint(value: str, known: Iterable[str]) -> str:
    """``; did you mean html?`` for a name close to one of ``known``, else the choices."""
    names = list(known)
    near = _nearest(value, names, 0.6)
    return f"; did you mean {near}?" if near else f" (choose from {', '.join(names)})"
