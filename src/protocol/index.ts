// protocol: message codes, the per-direction frame tracker, and decoders /
// encoders for the few messages the proxy reads or writes. Knows no other room.
export * from './codes.js';
export * from './frame-error.js';
export * from './frame-tracker.js';
export * from './messages.js';
export * from './startup-reader.js';
