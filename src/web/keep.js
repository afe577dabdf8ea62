// Keep a result: the mask and the probability map as PNG downloads, a JSON record of what made
// them (image hash, model and weights hash, prompt, threshold, vlsm version), or all three saved
// on the server when it was started with --save-dir.
import { call } from './api-client.js';

const $ = (id) => document.getElementById(id);

export function setupKeep(page) {
  const record = $('download-record');
  const save = $('save-button');
  save.hidden = !page.state.info.saveDir;
  const stem = () => (page.state.image?.name ?? 'image').replace(/\.[^.]+$/, '');
  const request = (extra = {}) => {
    const { image, result } = page.state;
    return { image: image.hash, model: result.model, prompt: result.prompt, threshold: page.threshold(), ...extra };
  };

  page.onRender(() => {
    const { result } = page.state;
    $('download-mask').href = $('mask-image').src;
    $('download-mask').download = `${stem()}.mask.png`;
    $('download-probabilities').href = `data:image/png;base64,${result.probabilityPng}`;
    $('download-probabilities').download = `${stem()}.probabilities.png`;
    if (record.dataset.url) URL.revokeObjectURL(record.dataset.url);
    delete record.dataset.url;
    record.href = '#';
  });

  // The record needs the server (weights hash, version): fetched on the first click, then followed.
  record.addEventListener('click', async (event) => {
    if (record.dataset.url) return;
    event.preventDefault();
    if (!page.state.result) return;
    try {
      const answer = await call('/api/keep', { json: request() });
      const url = URL.createObjectURL(new Blob([`${JSON.stringify(answer.record, null, 2)}\n`], { type: 'application/json' }));
      record.dataset.url = url;
      record.href = url;
      record.download = `${stem()}.json`;
      record.click();
    } catch (error) {
      page.setError(`Cannot make the record: ${error.message}`);
    }
  });

  save.addEventListener('click', async () => {
    if (!page.state.result) return;
    try {
      const answer = await call('/api/keep', { json: request({ save: true }) });
      page.setStatus(`Saved on the server: ${answer.saved.join(', ')}.`);
    } catch (error) {
      page.setError(`Cannot save: ${error.message}`);
    }
  });
}
