"""The SSM Automation steps: entry points run by the remediation document."""
