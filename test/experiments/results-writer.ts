// A child process for the concurrency test: writes one run, its items in many small
// transactions, and its epochs to a shared results database, then exits 0.
// usage: node results-writer.js DB WRITER BATCHES ITEMS_PER_BATCH
import { openResults } from '../../src/experiments/results/index.js';

const [db, writer, batches, perBatch] = process.argv.slice(2);
const store = openResults(db);
const runId = store.startRun({ kind: 'eval', config: { model: 'CLIPSeg', writer: Number(writer) }, gitCommit: null, vlsmVersion: 'test' });
for (let b = 0; b < Number(batches); b++) {
  const rows = Array.from({ length: Number(perBatch) }, (_, i) => ({
    dataset: 'busi', split: 'test', prompt: `P${b % 3}`, imageId: `w${writer}-b${b}-i${i}`, dice: (i % 10) / 10, iou: (i % 10) / 20,
  }));
  store.addItemMetrics(runId, rows);
  store.logEpoch(runId, { epoch: b, step: b * 10, trainLoss: 1 / (b + 1), valDice: b / 100, lr: 1e-3, seconds: 0.01 });
}
store.finishRun(runId);
store.close();
process.stdout.write(`${runId}\n`);
