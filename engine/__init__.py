"""Generic BPMN case engine on SpiffWorkflow: knows nothing of cadres."""
