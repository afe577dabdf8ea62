// Prompt chips: the attributes of a dataset family's templates, suggested by the server from the
// current mask, editable here, and composed by the server's own templates into P1–P9.
import { call, debounce } from './api-client.js';

const $ = (id) => document.getElementById(id);

export function setupChips(page) {
  const familySelect = $('family-select');
  const chipsBox = $('chips');
  const templateSelect = $('template-select');
  let prompts = {};
  let suggestedFor = null;

  for (const family of page.state.info.promptFamilies) familySelect.append(new Option(family, family));
  familySelect.value = page.state.info.promptFamily;

  const values = () => Object.fromEntries([...chipsBox.querySelectorAll('input')].map((input) => [input.name, input.value]));
  const first = (value) => (Array.isArray(value) ? value[0] : value) ?? '';

  function showComposed() {
    const key = templateSelect.value;
    $('template-name').textContent = key.toUpperCase();
    $('composed-prompt').textContent = first(prompts[key]);
  }

  function showPrompts(next) {
    prompts = next;
    const chosen = templateSelect.value || 'p1';
    templateSelect.replaceChildren();
    for (const key of Object.keys(prompts).filter((k) => k !== 'p0').sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))) {
      templateSelect.append(new Option(`${key.toUpperCase()}: ${first(prompts[key])}`, key));
    }
    templateSelect.value = prompts[chosen] !== undefined ? chosen : 'p1';
    showComposed();
  }

  const compose = debounce(async () => {
    try {
      const answer = await call('/api/compose', { json: { family: familySelect.value, values: values() } });
      page.setError('');
      showPrompts(answer.prompts);
    } catch (error) {
      page.setError(`Cannot compose the prompt: ${error.message}`);
    }
  }, 150);

  function showChips(chips) {
    chipsBox.replaceChildren();
    for (const chip of chips) {
      const id = `chip-${chip.name}`;
      const box = document.createElement('span');
      box.className = 'chip';
      const label = document.createElement('label');
      label.htmlFor = id;
      label.textContent = chip.name;
      const input = document.createElement('input');
      input.id = id;
      input.name = chip.name;
      input.value = chip.value;
      input.size = Math.max(4, chip.value.length + 1);
      input.autocomplete = 'off';
      if (chip.options) {
        const list = document.createElement('datalist');
        list.id = `${id}-options`;
        for (const option of chip.options) list.append(new Option(option, option));
        input.setAttribute('list', list.id);
        box.append(list);
      }
      input.addEventListener('input', () => {
        input.size = Math.max(4, input.value.length + 1);
        compose();
      });
      box.prepend(label, input);
      chipsBox.append(box);
    }
  }

  async function suggest() {
    const { image, result } = page.state;
    if (!image || !result) {
      page.setError('Segment an image first; the chips are read from its mask.');
      return;
    }
    try {
      const answer = await call('/api/chips', { json: { image: image.hash, model: result.model, prompt: result.prompt, threshold: page.threshold(), family: familySelect.value } });
      showChips(answer.chips);
      showPrompts(answer.prompts);
      suggestedFor = `${image.hash}|${result.model}|${result.prompt}|${familySelect.value}`;
    } catch (error) {
      page.setError(`Cannot suggest attributes: ${error.message}`);
    }
  }

  $('suggest-button').addEventListener('click', suggest);
  familySelect.addEventListener('change', suggest);
  templateSelect.addEventListener('change', showComposed);
  $('use-composed').addEventListener('click', () => {
    const prompt = $('composed-prompt').textContent;
    if (prompt) page.usePrompt(prompt);
  });
  // The first mask of each image fills the chips once; later ones only on request.
  page.onRender(() => {
    const { image, result } = page.state;
    if (image && result && !suggestedFor?.startsWith(`${image.hash}|`)) {
      suggestedFor = `${image.hash}|`;
      suggest();
    }
  });
}
