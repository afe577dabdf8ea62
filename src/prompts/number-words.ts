// English cardinal number words as Python's num2words(n) writes them ("twenty-one",
// "one hundred and five", "one thousand, two hundred and thirty-four"): the reference renders
// component counts and CAMUS ages with it.
import { ConfigError } from '../errors.js';

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve',
  'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

function below100(n: number): string {
  if (n < 20) return ONES[n]!;
  const tens = TENS[Math.floor(n / 10)]!;
  return n % 10 === 0 ? tens : `${tens}-${ONES[n % 10]}`;
}

function below1000(n: number): string {
  if (n < 100) return below100(n);
  const hundreds = `${ONES[Math.floor(n / 100)]} hundred`;
  return n % 100 === 0 ? hundreds : `${hundreds} and ${below100(n % 100)}`;
}

/** num2words(n) for integers 0 ≤ n < 1,000,000. */
export function numberToWords(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n >= 1_000_000) {
    throw new ConfigError(`numberToWords: ${n} is not an integer in 0..999999`);
  }
  if (n < 1000) return below1000(n);
  const thousands = `${below1000(Math.floor(n / 1000))} thousand`;
  const rest = n % 1000;
  if (rest === 0) return thousands;
  return rest < 100 ? `${thousands} and ${below100(rest)}` : `${thousands}, ${below1000(rest)}`;
}

/** Python's str.capitalize(): first character upper case, all others lower case. */
export function capitalize(text: string): string {
  return text.length === 0 ? text : text[0]!.toUpperCase() + text.slice(1).toLowerCase();
}
