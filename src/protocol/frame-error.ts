export type FrameErrorCode = 'LENGTH_OUT_OF_RANGE' | 'UNKNOWN_MESSAGE_TYPE' | 'MALFORMED_MESSAGE';

/** A peer sent bytes that are not a valid message; ends that one session (SQLSTATE 08P01). */
export class FrameError extends Error {
  readonly sqlstate = '08P01';

  constructor(
    readonly code: FrameErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FrameError';
  }
}
