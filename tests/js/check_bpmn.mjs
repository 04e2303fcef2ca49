// Reads each BPMN file given on the command line with bpmn-moddle (the model layer of bpmn-js)
// and prints one JSON line per file: its warnings and what its diagram (BPMNDI) covers.
import { readFileSync } from 'node:fs';
import { BpmnModdle } from 'bpmn-moddle';

const moddle = new BpmnModdle();
for (const file of process.argv.slice(2)) {
  const xml = readFileSync(file, 'utf8');
  try {
    const { rootElement, warnings, elementsById } = await moddle.fromXML(xml);
    const shapes = new Set();
    for (const diagram of rootElement.diagrams || []) {
      for (const el of diagram.plane.planeElement || []) shapes.add(el.bpmnElement && el.bpmnElement.id);
    }
    const flowNodes = Object.values(elementsById)
      .filter((e) => e.$instanceOf('bpmn:FlowNode') || e.$instanceOf('bpmn:SequenceFlow'))
      .map((e) => e.id);
    const withoutShape = flowNodes.filter((id) => !shapes.has(id));
    console.log(JSON.stringify({ file, warnings: warnings.map((w) => w.message), elements: flowNodes.length, withoutShape }));
  } catch (err) {
    console.log(JSON.stringify({ file, error: String(err) }));
  }
}
