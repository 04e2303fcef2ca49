// The moddle extension for the `spiffworkflow` namespace, so bpmn-js reads, edits and writes back
// the extension elements our diagrams use (forms, outcomes, parameters, service-task handlers,
// message variables, scripts). Passed to the modeler as `moddleExtensions: {spiffworkflow: ...}`.
// `tagAlias: lowerCase` maps type `Properties` to the tag <spiffworkflow:properties>.
(function (root) {
  const body = (name) => ({ name, superClass: ['Element'], properties: [{ name: 'value', isBody: true, type: 'String' }] });
  const descriptor = {
    name: 'SpiffWorkflow',
    uri: 'http://spiffworkflow.org/bpmn/schema/1.0/core',
    prefix: 'spiffworkflow',
    xml: { tagAlias: 'lowerCase' },
    associations: [],
    types: [
      {
        name: 'Properties',
        superClass: ['Element'],
        meta: { allowedIn: ['bpmn:ExtensionElements'] },
        properties: [{ name: 'properties', type: 'Property', isMany: true }],
      },
      {
        name: 'Property',
        superClass: ['Element'],
        properties: [
          { name: 'name', isAttr: true, type: 'String' },
          { name: 'value', isAttr: true, type: 'String' },
        ],
      },
      {
        name: 'ServiceTaskOperator',
        superClass: ['Element'],
        meta: { allowedIn: ['bpmn:ExtensionElements'] },
        properties: [
          { name: 'id', isAttr: true, type: 'String' },
          { name: 'resultVariable', isAttr: true, type: 'String' },
          { name: 'parameterList', type: 'Parameters' },
        ],
      },
      {
        name: 'Parameters',
        superClass: ['Element'],
        properties: [{ name: 'parameters', type: 'Parameter', isMany: true }],
      },
      {
        name: 'Parameter',
        superClass: ['Element'],
        properties: [
          { name: 'id', isAttr: true, type: 'String' },
          { name: 'name', isAttr: true, type: 'String' },
          { name: 'type', isAttr: true, type: 'String' },
          { name: 'value', isAttr: true, type: 'String' },
        ],
      },
      body('MessageVariable'),
      body('MessagePayload'),
      body('PreScript'),
      body('PostScript'),
      body('CalledDecisionId'),
      body('InstructionsForEndUser'),
    ],
  };
  if (typeof module === 'object' && module.exports) module.exports = descriptor;
  else root.spiffworkflowModdle = descriptor;
})(typeof window !== 'undefined' ? window : globalThis);
