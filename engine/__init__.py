"""Generic BPMN case engine on SpiffWorkflow: knows nothing of any one domain (see registry.py)."""
