// The demo's manual evidence: documents the demo company adds with `soc2 evidence add` during the
// period (staged in pending/, taken into the next day's bundle). November's inference-alert review and
// the year's pentest are added (the quarter's access review goes through soc2 review: src/demo/review.ts);
// November's trail-alert review never is, so the report shows that elapsed period as a deviation.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hashInputFile, mediaTypeOf, parseCovers, resolveManualTest, stagePending } from '../bundle/manual.js';
import type { Control } from '../mapping/controls.js';
import { addDays } from '../report/dates.js';

interface DemoDoc {
  control: string;
  file: string;
  text: string;
  covers: string;
  title: string;
  by: string;
}

/** What the demo adds on which day of the period (day index → documents), from the period's first day. */
export function demoManualPlan(start: string, days: number): Map<number, DemoDoc[]> {
  const month = start.slice(0, 7);
  const monthEnd = addDays(`${addDays(`${month}-28`, 4).slice(0, 7)}-01`, -1);
  const plan = new Map<number, DemoDoc[]>();
  plan.set(Math.min(3, days - 1), [
    { control: 'inference-alert-review', file: `inference-alert-review-${month}.md`, text: `# Inference alert review ${month}\n\n12 alerts reviewed; 2 escalated (latency, toxic-output rate); both closed.\n`, covers: `${month}-01..${monthEnd}`, title: `Inference alert review ${month}`, by: 'Priya (ML platform)' },
    { control: 'pentest', file: 'pentest-report.pdf', text: '%PDF-1.4\n% demo penetration test report: 0 critical, 2 medium findings, remediation tracked\n', covers: addDays(start, 1), title: 'Annual penetration test', by: 'Sam (Security engineering)' },
  ]);
  return plan;
}

/** Writes the day's documents under `docsDir` and stages them in the evidence dir, as `soc2 evidence add` does. */
export function stageDemoManual(docs: DemoDoc[], o: { docsDir: string; evidenceDir: string; controls: Control[]; at: Date }): string[] {
  mkdirSync(o.docsDir, { recursive: true });
  return docs.map((d) => {
    const file = path.join(o.docsDir, d.file);
    writeFileSync(file, d.text);
    const { control, test } = resolveManualTest(o.controls, d.control);
    const covers = parseCovers(d.covers);
    const h = hashInputFile(file);
    stagePending(o.evidenceDir, file, { control: control.id, test: test.id, title: d.title, note: null, addedBy: d.by, addedAt: o.at.toISOString(), covers, mediaType: mediaTypeOf(file), fileName: d.file }, h, control.criteria, o.at);
    return `${control.id}/${test.id} ${d.file} (covers ${covers.from}..${covers.to})`;
  });
}
