// Tables in the paper's layout, in markdown, CSV and JSON, and the comparison with the paper.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SummaryRow } from '../../src/experiments/results/index.js';
import { summarize } from '../../src/eval/aggregate.js';
import { loadPaperResults } from '../../src/report/paper-results.js';
import { parseCsv, renderTable, toCsv, toJson, toMarkdown, type Table } from '../../src/report/table-format.js';
import { cellsFromPaper, cellsFromSummaries, compareWithPaper, paperLayout, runTable, type ResultCell } from '../../src/report/tables.js';

const cells: ResultCell[] = [
  { model: 'clipseg', dataset: 'busi', mean: 80.123, std: 20.456 },
  { model: 'clipseg', dataset: 'kvasir_polyp', mean: 88.5, std: 12 },
  { model: 'cris', dataset: 'busi', mean: 83.42, std: 20.54 },
];

describe('paper layout', () => {
  it("puts models in rows and datasets in columns in the paper's order, cells mean ± std to 2 decimals", () => {
    assert.deepEqual(paperLayout(cells), {
      columns: ['model', 'Kvasir-SEG', 'BUSI'],
      rows: [
        ['CLIPSeg', '88.50 ± 12.00', '80.12 ± 20.46'],
        ['CRIS', '', '83.42 ± 20.54'],
      ],
    });
  });

  it('adds the prompt to the row keys when prompts vary, as in Tables 6 and 7', () => {
    const t = paperLayout(cellsFromPaper(loadPaperResults(['table6'])));
    assert.deepEqual(t.columns, ['model', 'prompt', 'Kvasir-SEG', 'ClinicDB', 'BKAI', 'ISIC', 'DFU', 'CAMUS', 'BUSI', 'CheXlocalize']);
    assert.deepEqual(t.rows[6].slice(0, 3), ['CRIS', 'P6', '86.93 ± 15.28']);
    assert.equal(t.rows.length, 10);
  });

  it('prints Table 3 (no std) with the setting as a row key', () => {
    const t = paperLayout(cellsFromPaper(loadPaperResults(['table3'])));
    assert.deepEqual(t.columns.slice(0, 3), ['model', 'setting', 'Kvasir-SEG']);
    assert.deepEqual(t.rows[0].slice(0, 3), ['CRIS', 'Individual', '86.97']);
  });

  it('refuses two results for one cell, saying how to split them', () => {
    assert.throws(() => paperLayout([...cells, { model: 'CRIS', dataset: 'BUSI', mean: 1, std: 1 }], { rows: ['model'] }), {
      message: "paperLayout: two results for model CRIS on BUSI; add 'prompt' or 'setting' to the row keys, or pick one run per cell",
    });
  });

  it("keeps the last of two results for one cell with duplicates 'last', reporting the one it replaced", () => {
    const replaced: ResultCell[] = [];
    const t = paperLayout([...cells, { model: 'CRIS', dataset: 'BUSI', mean: 1, std: 2 }], { duplicates: 'last', onReplaced: (c) => replaced.push(c) });
    assert.deepEqual(t.rows[1], ['CRIS', '', '1.00 ± 2.00']);
    assert.deepEqual(replaced.map((c) => c.mean), [83.42]);
  });

  it('builds cells from run summaries, Dice at the original size', () => {
    const s = (resolution: string, values: number[]): SummaryRow => ({
      runId: 1, kind: 'eval', model: 'CRIS', dataset: 'busi', split: 'test', prompt: 'P6', resolution, dice: summarize(values), iou: summarize(values),
    });
    const out = cellsFromSummaries([s('original', [80, 90]), s('model', [10, 20])]);
    assert.deepEqual(out, [{ kind: 'eval', model: 'CRIS', dataset: 'busi', prompt: 'P6', setting: null, mean: 85, std: summarize([80, 90]).std, n: 2 }]);
    assert.equal(runTable([s('original', [80, 90])]).rows[0].join('|'), '1|CRIS|busi|test|P6|original|2|85.00 ± 7.07|85.00 ± 7.07');
  });
});

describe('comparison with the paper', () => {
  it('sets our cell beside every paper number with the same model, dataset and (where the table has one) prompt', () => {
    const ours: ResultCell[] = [{ model: 'cris', dataset: 'busi', prompt: 'P6', mean: 82.42, std: 21 }];
    const t = compareWithPaper(ours, loadPaperResults(['table3', 'table6']));
    assert.deepEqual(t.columns, ['model', 'dataset', 'prompt', 'paper_table', 'paper_setting', 'ours', 'paper', 'difference']);
    const table6 = loadPaperResults(['table6']).find((p) => p.dataset === 'BUSI' && p.prompt === 'P6')!;
    assert.deepEqual(t.rows, [
      ['CRIS', 'BUSI', 'P6', 'table3', 'Individual', '82.42 ± 21.00', '83.42', -1],
      ['CRIS', 'BUSI', 'P6', 'table3', 'Pooled', '82.42 ± 21.00', '78.39', 4.03],
      ['CRIS', 'BUSI', 'P6', 'table6', null, '82.42 ± 21.00', `${table6.mean.toFixed(2)} ± ${table6.std!.toFixed(2)}`, Number((82.42 - table6.mean).toFixed(2))],
    ]);
  });

  it("leaves out zero-shot cells, and Table 4's other training sets unless table4 is asked for", () => {
    const ours: ResultCell[] = [
      { kind: 'zeroshot', model: 'CRIS', dataset: 'BUSI', prompt: 'P6', mean: 40 },
      { kind: 'eval', model: 'CRIS', dataset: 'ClinicDB', prompt: 'P6', mean: 80 },
    ];
    const all = loadPaperResults();
    assert.deepEqual(compareWithPaper(ours, all).rows.map((r) => `${r[3]}/${r[4]}`), [
      'table3/Individual', 'table3/Pooled', 'table3/Endoscopy Pooled', 'table4/trained on ClinicDB', 'table6/null',
    ]);
    assert.deepEqual(compareWithPaper(ours, all, { tables: ['table4'] }).rows.map((r) => r[4]), ['trained on Kvasir-SEG', 'trained on ClinicDB', 'trained on BKAI']);
  });

  it('leaves out cells the paper has no number for', () => {
    assert.deepEqual(compareWithPaper([{ model: 'MyNet', dataset: 'busi', mean: 1 }], loadPaperResults()).rows, []);
  });
});

describe('table formats', () => {
  const t: Table = { columns: ['model', 'note', 'dice'], rows: [['CRIS', 'a, "quoted" | cell', 83.42], ['CLIPSeg', null, Number.NaN]] };

  it('markdown right-aligns number columns and escapes pipes', () => {
    assert.equal(toMarkdown(t), '| model | note | dice |\n| --- | --- | ---: |\n| CRIS | a, "quoted" \\| cell | 83.42 |\n| CLIPSeg |  | nan |\n');
  });

  it('CSV quotes what needs quoting and parses back to the same fields', () => {
    const csv = toCsv(t);
    assert.equal(csv, 'model,note,dice\nCRIS,"a, ""quoted"" | cell",83.42\nCLIPSeg,,nan\n');
    assert.deepEqual(parseCsv(csv), [['model', 'note', 'dice'], ['CRIS', 'a, "quoted" | cell', '83.42'], ['CLIPSeg', '', 'nan']]);
    assert.deepEqual(parseCsv('a,b\r\n"x\ny",2'), [['a', 'b'], ['x\ny', '2']]);
  });

  it('JSON is an array of objects keyed by column', () => {
    assert.deepEqual(JSON.parse(toJson(t)), [{ model: 'CRIS', note: 'a, "quoted" | cell', dice: 83.42 }, { model: 'CLIPSeg', note: null, dice: null }]);
  });

  it('an unknown format lists the formats', () => {
    assert.throws(() => renderTable(t, 'html' as 'md'), { message: "renderTable: unknown format 'html'; formats: md, csv, json" });
  });
});
