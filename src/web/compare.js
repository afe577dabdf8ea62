// Compare: two masks on the current image, from two models or one model with two prompts, side by
// side with the Dice between them (at the page's threshold).
import { dice, maskOf, renderView } from './mask-view.js';

const $ = (id) => document.getElementById(id);

export function setupCompare(page) {
  const { models } = page.state.info;
  const selects = [$('compare-model-a'), $('compare-model-b')];
  for (const select of selects) for (const [i, m] of models.entries()) select.append(new Option(`${m.name} (${m.family})`, String(i)));
  selects[1].value = String(Math.min(1, models.length - 1));
  let sides = null;

  function draw() {
    if (!sides) return;
    const masks = sides.map((side) => maskOf(side.probabilities, page.threshold()));
    ['a', 'b'].forEach((name, i) => {
      const img = $(`compare-image-${name}`);
      img.src = renderView({ base: page.state.base, probabilities: sides[i].probabilities, mask: masks[i], view: 'overlay', opacity: page.opacity(), tint: i === 0 ? [230, 40, 40] : [40, 110, 240] });
      img.dataset.maskArea = String(masks[i].area);
      img.alt = `${i === 0 ? 'Left' : 'Right'} mask over the image: ${models[sides[i].model].name}, “${sides[i].prompt}”`;
      $(`compare-caption-${name}`).textContent = `${models[sides[i].model].name}: “${sides[i].prompt}”`;
    });
    $('compare-dice').textContent = `Dice between the two masks: ${dice(masks[0], masks[1]).toFixed(3)} (threshold ${page.threshold().toFixed(2)})`;
  }

  $('show-compare').addEventListener('click', () => {
    const current = $('prompt-input').value;
    for (const name of ['a', 'b']) if (!$(`compare-prompt-${name}`).value) $(`compare-prompt-${name}`).value = current;
  });

  $('compare-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    page.setError('');
    if (!page.state.image) {
      page.setError('Choose an image first (in the Segment view).');
      return;
    }
    const wanted = ['a', 'b'].map((name, i) => ({ model: Number(selects[i].value), prompt: $(`compare-prompt-${name}`).value }));
    page.setStatus('Comparing…');
    try {
      const answers = [];
      for (const side of wanted) answers.push({ ...side, ...(await page.predict(side.model, side.prompt)) });
      sides = answers;
      draw();
      page.setStatus('Compared.');
    } catch (error) {
      page.setError(error.message);
    }
  });
  page.onRender(draw);
  $('threshold-input').addEventListener('input', draw);
}
