// Browse a dataset (`vlsm serve --data ROOT`): search and filter its images, open one with its
// ground truth, its generated prompts P0–P9, the prediction for a chosen prompt and its Dice, and
// the per-image scores of a results database.
import { call } from './api-client.js';
import { decodeProbabilities, dice, maskOf, renderView } from './mask-view.js';

const $ = (id) => document.getElementById(id);

export function setupBrowse(page) {
  $('show-browse').hidden = false;
  let items = null;
  let opened = null;
  const filters = ['browse-search', 'browse-split', 'browse-class', 'browse-attribute'].map($);

  function fill(select, values) {
    for (const value of [...new Set(values)].filter(Boolean).sort()) select.append(new Option(value, value));
  }

  function showList() {
    const [search, split, cls, attribute] = filters.map((f) => f.value);
    const shown = items.filter((item) =>
      item.name.toLowerCase().includes(search.trim().toLowerCase()) &&
      (!split || item.split === split) &&
      (!cls || item.className === cls) &&
      (!attribute || Object.entries(item.attributes).some(([k, v]) => `${k}: ${v}` === attribute)));
    const list = $('browse-list');
    list.replaceChildren(...shown.map((item) => {
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = `${item.name}`;
      button.setAttribute('aria-label', `Open ${item.name} (${item.split || 'no split'}, ${item.className || 'no class'})`);
      button.addEventListener('click', () => open(item.id));
      const details = document.createElement('span');
      details.className = 'muted';
      details.textContent = ` ${item.split} · ${item.className}`;
      li.append(button, details);
      return li;
    }));
    $('browse-count').textContent = `${shown.length} of ${items.length} images`;
  }

  async function load() {
    if (items) return;
    try {
      items = (await call('/api/data/list')).items;
    } catch (error) {
      page.setError(`Cannot list the dataset: ${error.message}`);
      return;
    }
    fill(filters[1], items.map((i) => i.split));
    fill(filters[2], items.map((i) => i.className));
    fill(filters[3], items.flatMap((i) => Object.entries(i.attributes).map(([k, v]) => `${k}: ${v}`)));
    showList();
  }

  async function predict() {
    if (!opened) return;
    const prompt = $('browse-prompt').value;
    const model = page.model();
    page.setStatus(`Predicting “${prompt}”…`);
    try {
      const answer = await page.predict(model, prompt);
      const mask = maskOf(answer.probabilities, page.threshold());
      const image = $('browse-prediction');
      image.src = renderView({ base: page.state.base, probabilities: answer.probabilities, mask, view: 'overlay', opacity: page.opacity() });
      image.alt = `Predicted mask over the image for “${prompt}”`;
      image.dataset.maskArea = String(mask.area);
      const score = dice(mask, opened.truth);
      $('browse-dice').textContent = `Dice against the ground truth: ${score.toFixed(3)} (threshold ${page.threshold().toFixed(2)})`;
      page.setStatus(`Predicted “${prompt}” in ${Math.round(answer.ms)} ms.`);
    } catch (error) {
      page.setError(error.message);
    }
  }

  async function open(id) {
    page.setError('');
    try {
      const answer = await call('/api/data/open', { json: { id } });
      const source = `data:image/png;base64,${answer.imagePng}`;
      await page.useImage({ hash: answer.image, width: answer.width, height: answer.height, name: answer.detail.name, source });
      const gray = await decodeProbabilities(answer.maskPng);
      const truth = maskOf(gray, 0.5);
      opened = { id, truth };
      $('browse-item-heading').textContent = `${answer.detail.name} (${answer.detail.split || 'no split'}, ${answer.detail.className || 'no class'})`;
      const gt = $('browse-gt');
      gt.src = renderView({ base: page.state.base, probabilities: gray, mask: truth, view: 'overlay', opacity: 0.5, tint: [40, 200, 80] });
      gt.dataset.maskArea = String(truth.area);
      const select = $('browse-prompt');
      select.replaceChildren();
      for (const [key, value] of Object.entries(answer.detail.prompts).sort(([a], [b]) => Number(a.slice(1)) - Number(b.slice(1)))) {
        (Array.isArray(value) ? value : [value]).forEach((text, i, all) => {
          if (text.trim() === '') return;
          select.append(new Option(`${key.toUpperCase()}${all.length > 1 ? ` (${i + 1})` : ''}: ${text}`, text));
        });
      }
      const scores = $('browse-scores');
      scores.tBodies[0].replaceChildren(...answer.detail.scores.map((s) => {
        const row = document.createElement('tr');
        for (const cell of [s.run, s.dataset, s.prompt, s.dice.toFixed(3)]) row.insertCell().textContent = cell;
        return row;
      }));
      scores.hidden = answer.detail.scores.length === 0;
      $('browse-item').hidden = false;
      await predict();
    } catch (error) {
      page.setError(error.message);
    }
  }

  $('show-browse').addEventListener('click', load);
  for (const filter of filters) filter.addEventListener('input', () => items && showList());
  $('browse-prompt').addEventListener('change', predict);
}
