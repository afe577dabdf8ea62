// vlsm's error family: one branded base, a class per domain, context kept as fields.
// Messages name the operation, the offending values, what was expected, where, and the fix.

export class VlsmError extends Error {
  readonly isVlsmError = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A config file or option is malformed: names the file and field. */
export class ConfigError extends VlsmError {
  constructor(message: string, readonly file?: string, readonly field?: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A checkpoint cannot be read or does not fit the model: names the file and key. */
export class CheckpointError extends VlsmError {
  constructor(message: string, readonly file?: string, readonly key?: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A dataset file is missing or malformed, or a path escapes the dataset root. */
export class DatasetError extends VlsmError {
  constructor(message: string, readonly file?: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** libtorch raised an error; its text is kept as `cause` and in the message. */
export class NativeError extends VlsmError {
  constructor(message: string, readonly op?: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
