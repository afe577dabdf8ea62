// Errors of talking to the Hub: what was asked, what the Hub (or the network) answered.
import { VlsmError } from '../errors.js';

export class HubError extends VlsmError {
  constructor(message: string, readonly status?: number, options?: { cause?: unknown }) {
    super(message, options);
  }
}
