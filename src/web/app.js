// vlsm web page: upload an image, type what you are looking for, see the mask while you type.
// Plain ES modules, no build step. The server encodes an image once and answers each prompt with a
// probability map; thresholds, views and the Dice of comparisons are computed here.
import { call, debounce } from './api-client.js';
import { basePixels, decodeProbabilities, drawColourBar, maskOf, renderView } from './mask-view.js';
import { setupChips } from './chips.js';
import { setupCompare } from './compare.js';
import { setupBrowse } from './browse.js';
import { setupKeep } from './keep.js';

const $ = (id) => document.getElementById(id);
const form = $('segment-form');
const imageInput = $('image-input');
const dropZone = $('drop-zone');
const promptInput = $('prompt-input');
const modelSelect = $('model-select');
const thresholdInput = $('threshold-input');
const opacityInput = $('opacity-input');
const spinner = $('spinner');
const statusLine = $('status');
const errorLine = $('error');
const resultImage = $('result-image');
const maskImage = $('mask-image');

/** Everything the page knows; the other modules read it through `page`. */
const state = {
  info: null,
  /** {hash, width, height, name, source} of the current image. */
  image: null,
  base: null,
  /** {model, prompt, probabilities, probabilityPng} of the shown result. */
  result: null,
  mask: null,
  requests: 0,
  listeners: new Set(),
};

const page = {
  state,
  setStatus(message) {
    statusLine.textContent = message;
  },
  setError(message) {
    errorLine.textContent = message;
    if (message) statusLine.textContent = '';
  },
  threshold: () => Number(thresholdInput.value),
  opacity: () => Number(opacityInput.value),
  view: () => document.querySelector('input[name="view"]:checked').value,
  model: () => Number(modelSelect.value || 0),
  /** Called after every redraw (threshold, view, new result). */
  onRender(listener) {
    state.listeners.add(listener);
  },
  /** Makes `image` ({hash, width, height, name, source}) the current image. */
  async useImage(image) {
    state.image = image;
    state.result = null;
    state.base = await basePixels(image.source, image.width, image.height);
    $('preview-image').src = image.source;
    $('preview-section').hidden = false;
  },
  usePrompt(prompt) {
    promptInput.value = prompt;
    page.segment();
  },
  segment: () => segment(),
  /** Probabilities of `prompt` by `model` on the current image, decoded. */
  async predict(model, prompt) {
    const answer = await call('/api/predict', { json: { image: state.image.hash, model, prompt } });
    return { ...answer, probabilities: await decodeProbabilities(answer.probabilityPng) };
  },
  render: () => render(),
};

function showValue(input, output) {
  $(output).textContent = Number(input.value).toFixed(2);
}

function render() {
  const { result, base } = state;
  if (!result) return;
  const mask = maskOf(result.probabilities, page.threshold());
  state.mask = mask;
  const view = page.view();
  resultImage.src = renderView({ base, probabilities: result.probabilities, mask, view, opacity: page.opacity() });
  resultImage.dataset.maskArea = String(mask.area);
  resultImage.alt = { overlay: 'The image with the predicted mask tinted over it', heatmap: 'Probability heatmap of the predicted mask over the image', contour: 'The image with the predicted mask outlined' }[view];
  $('result-caption').textContent = { overlay: 'Mask over the image', heatmap: 'Probability heatmap (colour bar below)', contour: 'Mask contour' }[view];
  $('colour-bar').hidden = view !== 'heatmap';
  maskImage.src = renderView({ base: null, probabilities: result.probabilities, mask, view: 'mask', opacity: 1 });
  const share = (100 * mask.area) / (mask.width * mask.height);
  $('coverage').textContent = `The mask covers ${share.toFixed(1)}% of the ${mask.width}×${mask.height} image at threshold ${page.threshold().toFixed(2)}.`;
  $('result').hidden = false;
  for (const listener of state.listeners) listener();
}

function addToHistory(prompt) {
  const list = $('history');
  for (const item of [...list.children]) if (item.dataset.prompt === prompt) item.remove();
  const item = document.createElement('li');
  item.dataset.prompt = prompt;
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = prompt;
  button.setAttribute('aria-label', `Use the prompt again: ${prompt}`);
  button.addEventListener('click', () => page.usePrompt(prompt));
  item.append(button);
  list.prepend(item);
  while (list.children.length > 20) list.lastChild.remove();
}

async function segment() {
  page.setError('');
  if (!state.image) {
    page.setError('Choose an image first.');
    return;
  }
  const prompt = promptInput.value;
  const model = page.model();
  if (state.info.models[model].usesPrompt && prompt.trim() === '') {
    page.setError('Type what you are looking for.');
    return;
  }
  const request = ++state.requests;
  // The spinner appears only when the answer is slower than a glance.
  const slow = setTimeout(() => {
    spinner.hidden = false;
    page.setStatus('Segmenting…');
  }, 150);
  form.setAttribute('aria-busy', 'true');
  try {
    const answer = await page.predict(model, prompt);
    if (request !== state.requests) return;
    state.result = { model, prompt, probabilities: answer.probabilities, probabilityPng: answer.probabilityPng };
    render();
    addToHistory(prompt);
    page.setStatus(`Segmented “${prompt}” in ${Math.round(answer.ms)} ms.`);
  } catch (error) {
    if (request === state.requests) page.setError(error.message);
  } finally {
    if (request === state.requests) {
      clearTimeout(slow);
      spinner.hidden = true;
      form.removeAttribute('aria-busy');
    }
  }
}

async function chooseFile(file) {
  if (!file) return;
  page.setError('');
  if (file.type !== '' && !file.type.startsWith('image/')) {
    page.setError(`${file.name} is not an image; choose a PNG, JPEG, TIFF or WebP file.`);
    return;
  }
  const limit = state.info?.maxUploadBytes ?? Infinity;
  if (file.size > limit) {
    page.setError(`${file.name} is ${(file.size / 1048576).toFixed(1)} MiB; this server accepts images up to ${(limit / 1048576).toFixed(1)} MiB.`);
    return;
  }
  page.setStatus(`Uploading ${file.name}…`);
  try {
    const answer = await call('/api/image', { file });
    const source = answer.previewPng ? `data:image/png;base64,${answer.previewPng}` : URL.createObjectURL(file);
    await page.useImage({ hash: answer.image, width: answer.width, height: answer.height, name: file.name, source });
    page.setStatus(`Loaded ${file.name} (${answer.width}×${answer.height}).`);
    if (promptInput.value.trim() !== '' || !state.info.models[page.model()].usesPrompt) await segment();
  } catch (error) {
    page.setError(`${file.name}: ${error.message}`);
  }
}

async function loadInfo() {
  try {
    state.info = await call('/api/info');
  } catch (error) {
    $('model-info').textContent = `Cannot reach the server for model information (${error.message}).`;
    return;
  }
  const { models } = state.info;
  thresholdInput.value = String(models[0].threshold);
  showValue(thresholdInput, 'threshold-value');
  for (const [i, m] of models.entries()) modelSelect.append(new Option(`${m.name} (${m.family})`, String(i)));
  modelSelect.hidden = $('model-label').hidden = models.length < 2;
  $('model-info').textContent = models.map((m) => `Model ${m.name}: ${m.family}, input ${m.inputSize[1]}×${m.inputSize[0]}` + (m.usesPrompt ? '' : ' (looks at the image only; the prompt is ignored)')).join('. ') + '.';
  setupChips(page);
  setupCompare(page);
  setupKeep(page);
  if (state.info.dataset) setupBrowse(page);
}

function showView(name) {
  for (const view of ['segment', 'compare', 'browse']) {
    $(`${view}-view`).hidden = view !== name;
    $(`show-${view}`).setAttribute('aria-pressed', String(view === name));
  }
}

imageInput.addEventListener('change', () => chooseFile(imageInput.files[0]));
promptInput.addEventListener('input', debounce(() => promptInput.value.trim() !== '' && state.image && segment(), 300));
form.addEventListener('submit', (event) => {
  event.preventDefault();
  segment();
});
modelSelect.addEventListener('change', () => segment());
thresholdInput.addEventListener('input', () => {
  showValue(thresholdInput, 'threshold-value');
  render();
});
opacityInput.addEventListener('input', () => {
  showValue(opacityInput, 'opacity-value');
  render();
});
for (const radio of document.querySelectorAll('input[name="view"]')) radio.addEventListener('change', render);
for (const view of ['segment', 'compare', 'browse']) $(`show-${view}`).addEventListener('click', () => showView(view));
for (const name of ['dragenter', 'dragover']) {
  dropZone.addEventListener(name, (event) => {
    event.preventDefault();
    dropZone.classList.add('dragging');
  });
}
for (const name of ['dragleave', 'drop']) {
  dropZone.addEventListener(name, (event) => {
    event.preventDefault();
    dropZone.classList.remove('dragging');
  });
}
dropZone.addEventListener('drop', (event) => chooseFile(event.dataTransfer?.files[0]));

drawColourBar($('colour-bar-canvas'));
showValue(opacityInput, 'opacity-value');
loadInfo();
