// Keys that reach an object's prototype when assigned (`o.__proto__ = v`, `o.constructor.prototype`):
// config paths and merged overrides refuse them, so no input can change how every object behaves.
export const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export const isUnsafeKey = (key: string): boolean => UNSAFE_KEYS.has(key);
