// JSON.parse's messages may quote the text they failed on ("Unexpected token 'r', "root:x:0:0:"...
// is not valid JSON"): echoed in an error, that would show the first bytes of whatever file was
// read. This describes a parse error by its kind and position only.

/** V8's fixed wording before "in JSON at position N", e.g. "Expected ',' or ']' after array element". */
const POSITIONED = /^([A-Za-z ,:'[\]{}-]{1,80}?) (?:in JSON )?at position (\d+)/;

/** How and where `text` fails to parse as JSON, without quoting any of it. */
export function describeJsonError(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : '';
  if (/^Unexpected end of JSON input/.test(message)) return text.trim() === '' ? 'the text is empty' : 'the text ends before the JSON value does';
  const positioned = POSITIONED.exec(message);
  if (positioned === null) return 'unexpected character';
  const at = Math.min(Number(positioned[2]), text.length);
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  const column = at - before.lastIndexOf('\n');
  return `${positioned[1]!.replace(/^Unexpected token.*/, 'unexpected character')} at line ${line}, column ${column}`;
}
