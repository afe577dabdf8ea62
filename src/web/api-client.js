// Calls to the vlsm server: JSON in, JSON out, the server's own error message on failure.

/** POST (or GET without a body) to `path`; resolves to the answer's JSON, rejects with its `error`. */
export async function call(path, { json, file } = {}) {
  const init = json !== undefined
    ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) }
    : file !== undefined
      ? { method: 'POST', headers: { 'content-type': file.type && file.type.startsWith('image/') ? file.type : 'application/octet-stream' }, body: file }
      : { method: 'GET' };
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new Error('Cannot reach the vlsm server; is it still running?');
  }
  const answer = await response.json().catch(() => ({ error: `the server answered ${response.status}` }));
  if (!response.ok) throw new Error(answer.error ?? `the server answered ${response.status}`);
  return answer;
}

/** Runs `fn` after `ms` of quiet; a new call restarts the wait. */
export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
