// vlsm web page: upload an image, type a prompt, see the mask. Plain browser JS, no build step.
const form = document.getElementById('segment-form');
const imageInput = document.getElementById('image-input');
const dropZone = document.getElementById('drop-zone');
const promptInput = document.getElementById('prompt-input');
const thresholdInput = document.getElementById('threshold-input');
const thresholdValue = document.getElementById('threshold-value');
const button = document.getElementById('segment-button');
const statusLine = document.getElementById('status');
const modelInfo = document.getElementById('model-info');
const result = document.getElementById('result');
const coverageLine = document.getElementById('coverage');
const overlayImage = document.getElementById('overlay-image');
const maskImage = document.getElementById('mask-image');
const maskDownload = document.getElementById('mask-download');
const previewSection = document.getElementById('preview-section');
const previewImage = document.getElementById('preview-image');

let file = null;
let maxUploadBytes = Infinity;
let previewUrl = null;

function setStatus(message, isError = false) {
  statusLine.textContent = message;
  statusLine.classList.toggle('error', isError);
}

function showThreshold() {
  thresholdValue.textContent = Number(thresholdInput.value).toFixed(2);
}

function chooseFile(chosen) {
  if (!chosen) return;
  if (!chosen.type.startsWith('image/') && chosen.type !== '') {
    setStatus(`${chosen.name} is not an image.`, true);
    return;
  }
  file = chosen;
  if (previewUrl) URL.revokeObjectURL(previewUrl);
  previewUrl = URL.createObjectURL(chosen);
  previewImage.src = previewUrl;
  previewSection.hidden = false;
  setStatus(`Selected ${chosen.name} (${Math.round(chosen.size / 1024)} KiB).`);
}

function readAsDataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error ?? new Error('cannot read the file'));
    reader.readAsDataURL(blob);
  });
}

async function loadInfo() {
  try {
    const response = await fetch('/api/info');
    const info = await response.json();
    maxUploadBytes = info.maxUploadBytes ?? Infinity;
    thresholdInput.value = String(info.threshold);
    showThreshold();
    const [h, w] = info.inputSize;
    modelInfo.textContent = `Model: ${info.family}, input ${w}×${h}, default threshold ${info.threshold}` +
      (info.usesPrompt ? '.' : '. This model looks at the image only; the prompt is ignored.');
    if (!info.usesPrompt) promptInput.required = false;
  } catch {
    modelInfo.textContent = 'Cannot reach the server for model information.';
  }
}

async function segment(event) {
  event.preventDefault();
  if (!file) {
    setStatus('Choose an image first.', true);
    imageInput.focus();
    return;
  }
  if (promptInput.required && promptInput.value.trim() === '') {
    setStatus('Type what you are looking for.', true);
    promptInput.focus();
    return;
  }
  button.disabled = true;
  form.setAttribute('aria-busy', 'true');
  setStatus('Segmenting…');
  try {
    const image = await readAsDataUrl(file);
    const body = JSON.stringify({ image, prompt: promptInput.value, threshold: Number(thresholdInput.value) });
    if (body.length > maxUploadBytes) throw new Error(`The image is too large for this server (limit ${(maxUploadBytes / 1048576).toFixed(1)} MiB).`);
    const response = await fetch('/api/segment', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const answer = await response.json().catch(() => ({ error: `the server answered ${response.status}` }));
    if (!response.ok) throw new Error(answer.error ?? `the server answered ${response.status}`);
    overlayImage.src = `data:image/png;base64,${answer.overlayPng}`;
    maskImage.src = `data:image/png;base64,${answer.maskPng}`;
    maskDownload.href = maskImage.src;
    maskDownload.download = `${file.name.replace(/\.[^.]+$/, '')}.mask.png`;
    coverageLine.textContent = `The mask covers ${(answer.coverage * 100).toFixed(1)}% of the ${answer.width}×${answer.height} image (threshold ${answer.threshold.toFixed(2)}).`;
    result.hidden = false;
    setStatus('Done.');
  } catch (error) {
    setStatus(error.message, true);
  } finally {
    button.disabled = false;
    form.removeAttribute('aria-busy');
  }
}

imageInput.addEventListener('change', () => chooseFile(imageInput.files[0]));
thresholdInput.addEventListener('input', showThreshold);
form.addEventListener('submit', segment);
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

showThreshold();
loadInfo();
