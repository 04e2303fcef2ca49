"""Procedures: BPMN files validated, versioned, deployed and parsed once per version."""

from .deploy import DeployResult, deploy_directory, deploy_files, latest_versions
from .specs import SpecBundle, SpecCache

__all__ = ["DeployResult", "deploy_directory", "deploy_files", "latest_versions", "SpecBundle", "SpecCache"]
